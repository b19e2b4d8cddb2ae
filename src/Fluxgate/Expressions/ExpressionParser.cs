namespace Fluxgate;

/// <summary>
/// Reads the expression language: <c>or := and ('|' and)*</c>, <c>and := unary ('&amp;' unary)*</c>,
/// <c>unary := ('~'|'!') unary | primary</c>, <c>primary := call | '(' or ')'</c>, <c>call := Name '(' arguments ')'</c>.
/// Kinds that do not combine (windows, retries, permits) read a single <c>primary</c>.
/// </summary>
/// <remarks>
/// Every error is an <see cref="ExpressionException"/> with a position: the tokenizer's for characters, the reader's for
/// structure, and a factory's <see cref="ArgumentRejection"/> (a value out of range) placed at the argument it names.
/// </remarks>
internal static class ExpressionParser
{
    /// <summary>The longest expression accepted: bounds the tree, and the recursion evaluating it, whatever a configuration holds.</summary>
    public const int MaxLength = 4_096;

    /// <summary>The deepest nesting of parentheses and negations accepted.</summary>
    public const int MaxDepth = 32;

    public static T Parse<T>(string expression, Kind<T> kind, Random? random = null, IReadOnlyCollection<Type>? knownTypes = null)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(expression);
        if (expression.Length > MaxLength)
        {
            throw new ExpressionException(expression, MaxLength + 1, $"an expression of at most {MaxLength:N0} characters", $"{expression.Length:N0} characters");
        }

        return new Reader<T>(expression, Tokenizer.Tokenize(expression), kind, random, knownTypes).ReadAll();
    }

    /// <summary>One reading of one expression.</summary>
    private sealed class Reader<T>(string text, List<Token> tokens, Kind<T> kind, Random? random, IReadOnlyCollection<Type>? knownTypes)
        where T : class
    {
        private int _index;
        private int _depth;

        private Token Peek => tokens[_index];

        public T ReadAll()
        {
            var result = kind.Combines ? ReadOr() : ReadPrimary();
            if (Peek.Kind != TokenKind.End)
            {
                throw Error(kind.Combines ? "'&', '|' or end of input" : "end of input", Peek);
            }

            return result;
        }

        private T ReadOr()
        {
            var left = ReadAnd();
            while (Peek.Kind == TokenKind.Or)
            {
                _index++;
                left = kind.Or!(left, ReadAnd());
            }

            return left;
        }

        private T ReadAnd()
        {
            var left = ReadUnary();
            while (Peek.Kind == TokenKind.And)
            {
                _index++;
                left = kind.And!(left, ReadUnary());
            }

            return left;
        }

        private T ReadUnary()
        {
            if (Peek.Kind != TokenKind.Not)
            {
                return ReadPrimary();
            }

            Descend();
            _index++;
            var operand = ReadUnary();
            _depth--;
            return kind.Not!(operand);
        }

        private T ReadPrimary()
        {
            var token = Peek;
            if (token.Kind == TokenKind.LeftParen)
            {
                Descend();
                _index++;
                var inner = kind.Combines ? ReadOr() : ReadPrimary();
                Expect(TokenKind.RightParen, "')'");
                _depth--;
                return inner;
            }

            return token.Kind == TokenKind.Name ? ReadCall() : throw Error(kind.Expected, token);
        }

        /// <summary>Reads <c>Name(arguments)</c>: finds the factory, binds the arguments to its parameters, checks that the required ones are there, and builds the part.</summary>
        private T ReadCall()
        {
            var name = tokens[_index++];
            var signature = Array.Find(kind.Signatures, s => s.Name == name.Text) ?? throw Error(kind.Expected, name);
            Expect(TokenKind.LeftParen, $"'(' after {signature.Name}");
            var call = new Call(signature.Params);
            if (Peek.Kind != TokenKind.RightParen)
            {
                do
                {
                    ReadArgument(signature, call);
                }
                while (TryTake(TokenKind.Comma));
            }

            var close = Peek;
            Expect(TokenKind.RightParen, "',' or ')'");
            if (call.MissingRequired() is { } missing)
            {
                throw Error($"a value for '{missing.Name}' of {signature.Display}", close);
            }

            return Build(signature, call, name);
        }

        /// <summary>Reads one argument, positional or named (<c>initial: 10s</c>), into the parameter it binds to.</summary>
        private void ReadArgument(Signature<T> signature, Call call)
        {
            int index;
            if (Peek.Kind == TokenKind.Name && tokens[_index + 1].Kind == TokenKind.Colon)
            {
                var label = tokens[_index];
                _index += 2;
                index = Array.FindIndex(signature.Params, p => p.Name == label.Text);
                if (index < 0)
                {
                    throw Error($"a parameter of {signature.Display}", label);
                }

                if (call.IsBound(index))
                {
                    throw Error($"each parameter of {signature.Display} once", label);
                }

                call.SawNamed = true;
            }
            else
            {
                if (call.SawNamed)
                {
                    throw Error("a named argument (name: value), as arguments after a named one must be named", Peek);
                }

                index = call.NextPositional();
                if (index < 0)
                {
                    throw Error($"')' after the last argument of {signature.Display}", Peek);
                }
            }

            var token = Peek;
            call.Bind(index, ReadValue(signature.Params[index]), token);
        }

        /// <summary>Builds the part; a value the factory rejects (out of range) is reported at the argument it names.</summary>
        private T Build(Signature<T> signature, Call call, Token name)
        {
            try
            {
                return signature.Create(call.ToArguments(), random);
            }
            catch (ArgumentException exception) when (ArgumentRejection.Of(exception) is { } rejection)
            {
                var at = call.TokenOf(rejection.Parameter) ?? name;
                throw new ExpressionException(text, at.Start + 1, $"{rejection.Parameter} {rejection.Rule}", at.Display, exception);
            }
        }

        private object ReadValue(Param parameter)
        {
            var token = Peek;
            object? value = (parameter.Kind, token.Kind) switch
            {
                (ParamKind.Count, TokenKind.Number) when token.Number == Math.Floor(token.Number) && token.Number is >= int.MinValue and <= int.MaxValue => (int)token.Number,
                (ParamKind.Number, TokenKind.Number) => token.Number,
                (ParamKind.Duration, TokenKind.Duration) => token.Duration,
                (ParamKind.ExceptionType, TokenKind.Name) => ResolveExceptionType(token),
                _ => null,
            };
            if (value is null)
            {
                throw Error(
                    parameter.Kind switch
                    {
                        ParamKind.Count => $"a whole number for '{parameter.Name}'",
                        ParamKind.Number => $"a number for '{parameter.Name}'",
                        ParamKind.Duration => $"a duration with a unit (ms, s, m or h) for '{parameter.Name}'",
                        _ => $"the full name of an exception type for '{parameter.Name}'",
                    },
                    token);
            }

            _index++;
            return value;
        }

        private Type ResolveExceptionType(Token token)
        {
            // Types the caller names first: found without reflection, so a trimmed or Native AOT application can use them.
            var type = knownTypes?.FirstOrDefault(t => string.Equals(t.FullName, token.Text, StringComparison.Ordinal))
                ?? TypeResolver.Resolve(token.Text)
                ?? throw new ExpressionException(text, token.Start + 1, "the full name of an exception type", $"{token.Display}, which names no loaded or framework type (a trimmed or Native AOT application names its exception types: Tracker.Parse(expression, types), or AddCircuitBreakerExceptionType<T>() with a container)");
            return typeof(Exception).IsAssignableFrom(type)
                ? type
                : throw new ExpressionException(text, token.Start + 1, "an exception type", $"{token.Display}, which does not derive from System.Exception");
        }

        private void Descend()
        {
            if (++_depth > MaxDepth)
            {
                throw Error($"at most {MaxDepth} nested levels of parentheses and negations", Peek);
            }
        }

        private bool TryTake(TokenKind expected)
        {
            if (Peek.Kind != expected)
            {
                return false;
            }

            _index++;
            return true;
        }

        private void Expect(TokenKind expected, string description)
        {
            if (!TryTake(expected))
            {
                throw Error(description, Peek);
            }
        }

        private ExpressionException Error(string expected, Token found) => new(text, found.Start + 1, expected, found.Display);
    }

    /// <summary>The arguments of one call as they are bound: a value and its token per parameter, and a list for a variadic one.</summary>
    private sealed class Call(Param[] parameters)
    {
        private readonly object?[] _values = new object?[parameters.Length];
        private readonly Token?[] _tokens = new Token?[parameters.Length];
        private readonly List<Type> _variadic = [];
        private int _positional;

        public bool SawNamed { get; set; }

        public bool IsBound(int index) => _values[index] is not null;

        /// <summary>The parameter the next positional argument binds to; the variadic last one takes the rest; −1 when there is none left.</summary>
        public int NextPositional()
        {
            var index = _positional < parameters.Length ? _positional : parameters is [.., { Variadic: true }] ? parameters.Length - 1 : -1;
            if (index >= 0)
            {
                _positional++;
            }

            return index;
        }

        public void Bind(int index, object value, Token token)
        {
            _tokens[index] ??= token;
            if (parameters[index].Variadic)
            {
                _variadic.Add((Type)value);
            }
            else
            {
                _values[index] = value;
            }
        }

        public Param? MissingRequired()
        {
            for (var i = 0; i < parameters.Length; i++)
            {
                if (!parameters[i].Optional && _values[i] is null && !(parameters[i].Variadic && _variadic.Count > 0))
                {
                    return parameters[i];
                }
            }

            return null;
        }

        public Token? TokenOf(string parameter) => Array.FindIndex(parameters, p => p.Name == parameter) is var i and >= 0 ? _tokens[i] : null;

        public Arguments ToArguments()
        {
            for (var i = 0; i < parameters.Length; i++)
            {
                if (parameters[i].Variadic)
                {
                    _values[i] = _variadic.ToArray();
                }
            }

            return new Arguments(_values);
        }
    }
}
