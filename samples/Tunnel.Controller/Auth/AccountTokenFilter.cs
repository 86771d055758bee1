using Microsoft.EntityFrameworkCore;
using Tunnel.Controller.Api;
using Tunnel.Controller.Data;

namespace Tunnel.Controller.Auth;

/// <summary>
/// Guards <c>/accounts/{account}/...</c>: the request's bearer token must be an API token of that account. No token, or
/// an unknown one, is 401; a token of another account is 403 (and says nothing of whether the account exists).
/// </summary>
internal sealed class AccountTokenFilter : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        HttpContext http = context.HttpContext;
        string? token = Secrets.Bearer(http.Request);
        if (token is null)
        {
            http.Response.Headers.WWWAuthenticate = "Bearer";
            return Answers.Error(StatusCodes.Status401Unauthorized, Answers.Unauthenticated, "An API token is required: Authorization: Bearer <token>.");
        }

        var database = http.RequestServices.GetRequiredService<ControllerDbContext>();
        string hash = Secrets.Hash(token);
        string? owner = await database.ApiTokens.AsNoTracking().Where(t => t.Hash == hash).Select(t => t.AccountId).FirstOrDefaultAsync(http.RequestAborted).ConfigureAwait(false);
        if (owner is null)
        {
            http.Response.Headers.WWWAuthenticate = "Bearer error=\"invalid_token\"";
            return Answers.Error(StatusCodes.Status401Unauthorized, Answers.Unauthenticated, "The API token is not valid.");
        }

        if (!string.Equals(owner, http.Request.RouteValues["account"] as string, StringComparison.Ordinal))
        {
            return Answers.Error(StatusCodes.Status403Forbidden, Answers.Forbidden, "The API token is not one of this account's.");
        }

        return await next(context).ConfigureAwait(false);
    }
}
