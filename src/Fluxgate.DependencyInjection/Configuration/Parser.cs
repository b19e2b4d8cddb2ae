namespace Fluxgate.Configuration;

/// <summary>A recursive-descent reader: <c>or := and ('|' and)*</c>, <c>and := unary ('&amp;' unary)*</c>, <c>unary := ('~'|'!') unary | primary</c>, <c>primary := call | '(' or ')'</c>.</summary>
internal sealed class Parser<T>(string text, List<Token> tokens, Grammar.Kind<T> kind, bool combine)
    where T : class
{
    private int _index;
    private int _depth;

    private Token Peek => tokens[_index];

    public T ParseAll()
    {
        var result = combine ? ParseOr() : ParsePrimary();
        if (Peek.Kind != TokenKind.End)
        {
            throw Error(combine ? "'&', '|' or end of input" : "end of input", Peek);
        }

        return result;
    }

    private T ParseOr()
    {
        var left = ParseAnd();
        while (Peek.Kind == TokenKind.Or)
        {
            _index++;
            left = kind.Or!(left, ParseAnd());
        }

        return left;
    }

    private T ParseAnd()
    {
        var left = ParseUnary();
        while (Peek.Kind == TokenKind.And)
        {
            _index++;
            left = kind.And!(left, ParseUnary());
        }

        return left;
    }

    private T ParseUnary()
    {
        if (Peek.Kind == TokenKind.Not)
        {
            Descend();
            _index++;
            var operand = ParseUnary();
            _depth--;
            return kind.Not!(operand);
        }

        return ParsePrimary();
    }

    private void Descend()
    {
        if (++_depth > ComponentExpression.MaxDepth)
        {
            throw Error($"at most {ComponentExpression.MaxDepth} nested levels of parentheses and negations", Peek);
        }
    }

    private T ParsePrimary()
    {
        var token = Peek;
        if (token.Kind == TokenKind.LeftParen)
        {
            Descend();
            _index++;
            var inner = combine ? ParseOr() : ParsePrimary();
            Expect(TokenKind.RightParen, "')'");
            _depth--;
            return inner;
        }

        if (token.Kind == TokenKind.Name)
        {
            return ParseCall();
        }

        throw Error(kind.Expected, token);
    }

    private T ParseCall()
    {
        var name = tokens[_index++];
        var signature = Array.Find(kind.Signatures, s => s.Name == name.Text) ?? throw Error(kind.Expected, name);
        Expect(TokenKind.LeftParen, $"'(' after {signature.Name}");

        var parameters = signature.Params;
        var values = new object?[parameters.Length];
        var valueTokens = new Token[parameters.Length];
        var variadic = new List<object>();
        var positional = 0;
        var named = false;
        if (Peek.Kind != TokenKind.RightParen)
        {
            while (true)
            {
                int index;
                if (Peek.Kind == TokenKind.Name && tokens[_index + 1].Kind == TokenKind.Colon)
                {
                    var label = tokens[_index];
                    _index += 2;
                    index = Array.FindIndex(parameters, p => p.Name == label.Text);
                    if (index < 0)
                    {
                        throw Error($"a parameter of {signature.Display}", label);
                    }

                    if (values[index] is not null)
                    {
                        throw Error($"each parameter of {signature.Display} once", label);
                    }

                    named = true;
                }
                else
                {
                    if (named)
                    {
                        throw Error("a named argument (name: value), as arguments after a named one must be named", Peek);
                    }

                    index = positional < parameters.Length ? positional : parameters is [.., { Variadic: true }] ? parameters.Length - 1 : -1;
                    if (index < 0)
                    {
                        throw Error($"')' after the last argument of {signature.Display}", Peek);
                    }

                    positional++;
                }

                var parameter = parameters[index];
                valueTokens[index] = Peek;
                var value = ReadValue(parameter);
                if (parameter.Variadic)
                {
                    variadic.Add(value);
                }
                else
                {
                    values[index] = value;
                }

                if (Peek.Kind != TokenKind.Comma)
                {
                    break;
                }

                _index++;
            }
        }

        var close = Peek;
        Expect(TokenKind.RightParen, "',' or ')'");
        for (var i = 0; i < parameters.Length; i++)
        {
            if (parameters[i].Variadic)
            {
                values[i] = variadic.Count > 0 ? variadic.Cast<Type>().ToArray() : null;
            }

            if (values[i] is null && !parameters[i].Optional)
            {
                throw Error($"a value for '{parameters[i].Name}' of {signature.Display}", close);
            }
        }

        try
        {
            return signature.Create(new Grammar.Arguments(values));
        }
        catch (ArgumentException exception)
        {
            // A factory's range check: report it at the argument it names, in the same "Expected … found …" form.
            var index = Array.FindIndex(parameters, p => p.Name == exception.ParamName);
            var at = index >= 0 && valueTokens[index].Text is not null ? valueTokens[index] : name;
            var rule = exception.Message.Split('\n')[0];
            var suffix = exception.ParamName is null ? string.Empty : $" (Parameter '{exception.ParamName}')";
            if (rule.EndsWith(suffix, StringComparison.Ordinal))
            {
                rule = rule[..^suffix.Length];
            }

            rule = rule.TrimEnd('.');
            var expected = rule.StartsWith("Must be ", StringComparison.Ordinal)
                ? $"{exception.ParamName} {rule["Must be ".Length..]}"
                : $"a valid {exception.ParamName ?? signature.Name} ({rule})";
            throw new ExpressionException(text, at.Start + 1, expected, at.Display, exception);
        }
    }

    private object ReadValue(Grammar.Param parameter)
    {
        var token = tokens[_index];
        switch (parameter.Kind)
        {
            case Grammar.ParamKind.Count when token.Kind == TokenKind.Number:
                if (token.Number != Math.Floor(token.Number) || token.Number < int.MinValue || token.Number > int.MaxValue)
                {
                    throw Error($"a whole number for '{parameter.Name}'", token);
                }

                _index++;
                return (int)token.Number;
            case Grammar.ParamKind.Number when token.Kind == TokenKind.Number:
                _index++;
                return token.Number;
            case Grammar.ParamKind.Duration when token.Kind == TokenKind.Duration:
                _index++;
                return token.Duration;
            case Grammar.ParamKind.ExceptionType when token.Kind == TokenKind.Name:
                _index++;
                return ResolveExceptionType(token);
            default:
                throw Error(
                    parameter.Kind switch
                    {
                        Grammar.ParamKind.Count => $"a whole number for '{parameter.Name}'",
                        Grammar.ParamKind.Number => $"a number for '{parameter.Name}'",
                        Grammar.ParamKind.Duration => $"a duration with a unit (ms, s, m or h) for '{parameter.Name}'",
                        _ => $"the full name of an exception type for '{parameter.Name}'",
                    },
                    token);
        }
    }

    private Type ResolveExceptionType(Token token)
    {
        var type = TypeResolver.Resolve(token.Text);
        if (type is null)
        {
            throw new ExpressionException(text, token.Start + 1, "the full name of an exception type", $"{token.Display}, which names no loaded or framework type");
        }

        if (!typeof(Exception).IsAssignableFrom(type))
        {
            throw new ExpressionException(text, token.Start + 1, "an exception type", $"{token.Display}, which does not derive from System.Exception");
        }

        return type;
    }

    private void Expect(TokenKind expected, string description)
    {
        if (Peek.Kind != expected)
        {
            throw Error(description, Peek);
        }

        _index++;
    }

    private ExpressionException Error(string expected, Token found) => new(text, found.Start + 1, expected, found.Display);
}
