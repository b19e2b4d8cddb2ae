using System.Reflection;
using Polly;

namespace Fluxgate.PollyTests;

/// <summary>The entry point: its pinned shape, its validation, and what a pipeline keeps from its options.</summary>
public class AddFluxgateTests
{
    [Fact]
    public void AddFluxgate_HasThePinnedShape()
    {
        var method = typeof(FluxgateResiliencePipelineBuilderExtensions).GetMethods(BindingFlags.Public | BindingFlags.Static)
            .Single(m => m.Name == "AddFluxgate" && m.GetParameters()[1].ParameterType == typeof(CircuitBreaker));

        Assert.Equal("Polly", typeof(FluxgateResiliencePipelineBuilderExtensions).Namespace);
        var builderType = Assert.Single(method.GetGenericArguments());
        Assert.Equal([typeof(ResiliencePipelineBuilderBase)], builderType.GetGenericParameterConstraints());
        Assert.Equal(builderType, method.ReturnType);
        Assert.Equal(builderType, method.GetParameters()[0].ParameterType);
        Assert.True(method.IsDefined(typeof(System.Runtime.CompilerServices.ExtensionAttribute)));
    }

    [Fact]
    public void AddFluxgate_ReturnsTheSameBuilderForBothPipelineKinds()
    {
        var breaker = PollyKit.Breaker(TestKit.NewClock());
        var plain = new ResiliencePipelineBuilder();
        var generic = new ResiliencePipelineBuilder<int>();

        Assert.Same(plain, plain.AddFluxgate(breaker));
        Assert.Same(generic, generic.AddFluxgate(breaker));
        Assert.Equal(42, plain.Build().Execute(() => 42));
        Assert.Equal(42, generic.Build().Execute(() => 42));
    }

    [Fact]
    public void AddFluxgate_NullArguments_Throw()
    {
        var breaker = PollyKit.Breaker(TestKit.NewClock());

        Assert.Equal("builder", Assert.Throws<ArgumentNullException>(() => ((ResiliencePipelineBuilder)null!).AddFluxgate(breaker)).ParamName);
        Assert.Equal("breaker", Assert.Throws<ArgumentNullException>(() => new ResiliencePipelineBuilder().AddFluxgate((CircuitBreaker)null!)).ParamName);
        Assert.Equal("options", Assert.Throws<ArgumentNullException>(() => new ResiliencePipelineBuilder().AddFluxgate((FluxgateStrategyOptions)null!)).ParamName);
    }

    [Fact]
    public void AddFluxgate_OptionsWithNeitherBreakerNorSelector_ThrowsNamingBoth()
    {
        var error = Assert.Throws<ArgumentException>(() => new ResiliencePipelineBuilder().AddFluxgate(new FluxgateStrategyOptions()));

        Assert.Equal("options", error.ParamName);
        Assert.Contains("Breaker", error.Message, StringComparison.Ordinal);
        Assert.Contains("BreakerSelector", error.Message, StringComparison.Ordinal);
        Assert.Contains("neither is set", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AddFluxgate_OptionsWithBothBreakerAndSelector_Throws()
    {
        var breaker = PollyKit.Breaker(TestKit.NewClock());
        var options = new FluxgateStrategyOptions { Breaker = breaker, BreakerSelector = _ => breaker };

        var error = Assert.Throws<ArgumentException>(() => new ResiliencePipelineBuilder().AddFluxgate(options));

        Assert.Contains("both are set", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FluxgateStrategyOptions_AreNamedFluxgateByDefault()
    {
        Assert.Equal("Fluxgate", new FluxgateStrategyOptions().Name);
        Assert.Equal(FluxgateStrategyOptions.DefaultName, new FluxgateStrategyOptions().Name);
    }

    [Fact]
    public void Pipeline_KeepsTheBreakerItWasBuiltWith_WhenTheOptionsChangeLater()
    {
        var clock = TestKit.NewClock();
        var first = PollyKit.Breaker(clock, name: "first");
        var second = PollyKit.Breaker(clock, name: "second");
        var options = new FluxgateStrategyOptions { Breaker = first };
        var pipeline = new ResiliencePipelineBuilder().AddFluxgate(options).Build();

        options.Breaker = second;
        pipeline.Execute(() => 1);

        Assert.Equal(1, first.GetInfo().Metrics.TotalCount);
        Assert.Equal(0, second.GetInfo().Metrics.TotalCount);
    }
}
