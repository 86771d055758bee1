using Tunnel.Controller.Policy;

namespace Tunnel.Controller.Tests;

/// <summary>Profiles' match expressions: the identity terms, and/or with and binding tighter, parentheses, and the errors.</summary>
public sealed class MatchExpressionTests
{
    [Theory]
    [InlineData("identity.email == \"ann@corp.example\"", "ANN@corp.example", "", true)]
    [InlineData("identity.email == \"ann@corp.example\"", "bob@corp.example", "", false)]
    [InlineData("identity.email in {\"ann@corp.example\" \"bob@corp.example\"}", "bob@corp.example", "", true)]
    [InlineData("identity.email in {\"ann@corp.example\", \"bob@corp.example\"}", "cat@corp.example", "", false)]
    [InlineData("any(identity.groups.name[*] in {\"Engineering\" \"SRE\"})", "x@corp.example", "Sales,SRE", true)]
    [InlineData("any(identity.groups.name[*] in {\"Engineering\"})", "x@corp.example", "engineering", false)] // group names are exact
    [InlineData("any(identity.groups.name[*] == \"Ops\")", "x@corp.example", "Ops", true)]
    [InlineData("identity.email == \"a@x.example\" or any(identity.groups.name[*] == \"Ops\") and identity.email == \"b@x.example\"", "a@x.example", "", true)]
    [InlineData("identity.email == \"a@x.example\" or any(identity.groups.name[*] == \"Ops\") and identity.email == \"b@x.example\"", "c@x.example", "Ops", false)]
    [InlineData("(identity.email == \"a@x.example\" or any(identity.groups.name[*] == \"Ops\")) and identity.email == \"c@x.example\"", "c@x.example", "Ops", true)]
    [InlineData("identity.email == \"a@x.example\" || identity.email == \"b@x.example\"", "b@x.example", "", true)]
    public void AnExpression_MatchesAsItsTermsSay(string text, string email, string groups, bool expected)
    {
        Assert.True(MatchExpression.TryParse(text, out MatchExpression? expression, out string? error), error);

        Assert.Equal(expected, expression.Matches(email, groups.Split(',', StringSplitOptions.RemoveEmptyEntries)));
    }

    [Theory]
    [InlineData("", "an expression is required")]
    [InlineData("identity.email = \"a@x.example\"", "expected '==' or 'in'")]
    [InlineData("identity.email == a@x.example", "expected a quoted string")]
    [InlineData("identity.email == \"a@x.example", "unterminated")]
    [InlineData("identity.email in {}", "an empty set")]
    [InlineData("identity.name == \"x\"", "expected identity.email")]
    [InlineData("identity.email == \"a@x.example\" xor identity.email == \"b@x.example\"", "expected 'and', 'or' or the end")]
    [InlineData("(identity.email == \"a@x.example\"", "expected ')'")]
    [InlineData("any(identity.groups.name[*] in {\"a\"}", "expected ')'")]
    public void AMalformedExpression_IsRefused_SayingWhereAndWhy(string text, string message)
    {
        Assert.False(MatchExpression.TryParse(text, out _, out string? error));
        Assert.StartsWith("match: ", error, StringComparison.Ordinal);
        Assert.Contains(message, error, StringComparison.Ordinal);
    }
}
