using System.Diagnostics.CodeAnalysis;

namespace Tunnel.Controller.Policy;

/// <summary>
/// A profile's <c>match</c>: which users' devices it applies to, in the expression language of the device-management
/// API it follows, the part about identity. Terms:
/// <c>identity.email == "a@example.com"</c>, <c>identity.email in {"a@example.com" "b@example.com"}</c>,
/// <c>any(identity.groups.name[*] in {"Engineering" "Ops"})</c>; joined by <c>or</c> and <c>and</c> (<c>and</c> binds
/// tighter), with parentheses. Emails compare without case, group names exactly.
/// </summary>
internal sealed class MatchExpression
{
    private readonly Node _root;

    private MatchExpression(Node root) => _root = root;

    /// <summary>Whether the user with <paramref name="email"/> and <paramref name="groups"/> matches.</summary>
    public bool Matches(string email, IReadOnlyCollection<string> groups) => _root.Evaluate(email, groups);

    /// <summary>Parses <paramref name="text"/>; on failure, <paramref name="error"/> says where and why.</summary>
    public static bool TryParse(string? text, [NotNullWhen(true)] out MatchExpression? expression, [NotNullWhen(false)] out string? error)
    {
        expression = null;
        if (string.IsNullOrWhiteSpace(text))
        {
            error = "match: an expression is required, such as identity.email == \"a@example.com\".";
            return false;
        }

        var parser = new Parser(text);
        try
        {
            Node root = parser.ParseOr();
            parser.SkipSpace();
            if (!parser.AtEnd)
            {
                throw parser.Fail("expected 'and', 'or' or the end");
            }

            expression = new MatchExpression(root);
            error = null;
            return true;
        }
        catch (FormatException failure)
        {
            error = $"match: {failure.Message}";
            return false;
        }
    }

    private abstract class Node
    {
        public abstract bool Evaluate(string email, IReadOnlyCollection<string> groups);
    }

    private sealed class Or(Node left, Node right) : Node
    {
        public override bool Evaluate(string email, IReadOnlyCollection<string> groups) => left.Evaluate(email, groups) || right.Evaluate(email, groups);
    }

    private sealed class And(Node left, Node right) : Node
    {
        public override bool Evaluate(string email, IReadOnlyCollection<string> groups) => left.Evaluate(email, groups) && right.Evaluate(email, groups);
    }

    private sealed class EmailIn(HashSet<string> emails) : Node
    {
        public override bool Evaluate(string email, IReadOnlyCollection<string> groups) => emails.Contains(email);
    }

    private sealed class AnyGroupIn(HashSet<string> names) : Node
    {
        public override bool Evaluate(string email, IReadOnlyCollection<string> groups) => groups.Any(names.Contains);
    }

    private sealed class Parser(string text)
    {
        private int _at;

        public bool AtEnd => _at >= text.Length;

        public Node ParseOr()
        {
            Node left = ParseAnd();
            while (TryKeyword("or") || TryToken("||"))
            {
                left = new Or(left, ParseAnd());
            }

            return left;
        }

        public void SkipSpace()
        {
            while (_at < text.Length && char.IsWhiteSpace(text[_at]))
            {
                _at++;
            }
        }

        public FormatException Fail(string why) => new($"{why} at character {_at + 1} of '{text}'.");

        private Node ParseAnd()
        {
            Node left = ParseTerm();
            while (TryKeyword("and") || TryToken("&&"))
            {
                left = new And(left, ParseTerm());
            }

            return left;
        }

        private Node ParseTerm()
        {
            if (TryToken("("))
            {
                Node inner = ParseOr();
                Expect(")");
                return inner;
            }

            if (TryToken("identity.email"))
            {
                if (TryToken("=="))
                {
                    return new EmailIn(new HashSet<string>([ParseString()], StringComparer.OrdinalIgnoreCase));
                }

                if (TryKeyword("in"))
                {
                    return new EmailIn(new HashSet<string>(ParseSet(), StringComparer.OrdinalIgnoreCase));
                }

                throw Fail("expected '==' or 'in' after identity.email");
            }

            if (TryToken("any"))
            {
                Expect("(");
                Expect("identity.groups.name[*]");
                HashSet<string> names;
                if (TryToken("=="))
                {
                    names = new HashSet<string>([ParseString()], StringComparer.Ordinal);
                }
                else if (TryKeyword("in"))
                {
                    names = new HashSet<string>(ParseSet(), StringComparer.Ordinal);
                }
                else
                {
                    throw Fail("expected '==' or 'in' after identity.groups.name[*]");
                }

                Expect(")");
                return new AnyGroupIn(names);
            }

            throw Fail("expected identity.email, any(identity.groups.name[*] ...) or '('");
        }

        private List<string> ParseSet()
        {
            Expect("{");
            var values = new List<string>();
            while (!TryToken("}"))
            {
                values.Add(ParseString());
                TryToken(","); // both "a" "b" and "a", "b"
            }

            if (values.Count == 0)
            {
                throw Fail("an empty set");
            }

            return values;
        }

        private string ParseString()
        {
            SkipSpace();
            if (_at >= text.Length || text[_at] != '"')
            {
                throw Fail("expected a quoted string");
            }

            int end = text.IndexOf('"', _at + 1);
            if (end < 0)
            {
                throw Fail("an unterminated string");
            }

            string value = text[(_at + 1)..end];
            if (value.Length == 0)
            {
                throw Fail("an empty string");
            }

            _at = end + 1;
            return value;
        }

        private void Expect(string token)
        {
            if (!TryToken(token))
            {
                throw Fail($"expected '{token}'");
            }
        }

        private bool TryToken(string token)
        {
            SkipSpace();
            if (string.CompareOrdinal(text, _at, token, 0, token.Length) != 0)
            {
                return false;
            }

            _at += token.Length;
            return true;
        }

        private bool TryKeyword(string keyword)
        {
            SkipSpace();
            int end = _at + keyword.Length;
            if (string.CompareOrdinal(text, _at, keyword, 0, keyword.Length) != 0 || (end < text.Length && char.IsLetterOrDigit(text[end])))
            {
                return false;
            }

            _at = end;
            return true;
        }
    }
}
