using Fluxgate.WebApi;

// A product API on http://127.0.0.1:5080 that reads stock from an inventory service on http://127.0.0.1:5081
// through a typed HttpClient with the Fluxgate handler. See the README's "Web API sample" for a curl session.
var app = WebApiApp.Build(args);
await app.RunAsync();
