using System.Net.Mail;
using Microsoft.EntityFrameworkCore;
using Tunnel.Controller.Auth;
using Tunnel.Controller.Data;

namespace Tunnel.Controller.Api;

/// <summary>
/// An account's API tokens (<c>/accounts/{account}/tokens</c>) and enrolment tokens
/// (<c>/accounts/{account}/enrolment_tokens</c>): made with their secret shown once, listed without it, deleted.
/// </summary>
internal static class TokenEndpoints
{
    public static void Map(RouteGroupBuilder account)
    {
        account.MapPost("/tokens", CreateApiTokenAsync);
        account.MapGet("/tokens", ListApiTokensAsync);
        account.MapDelete("/tokens/{id:guid}", DeleteApiTokenAsync);
        account.MapPost("/enrolment_tokens", CreateEnrolmentTokenAsync);
        account.MapGet("/enrolment_tokens", ListEnrolmentTokensAsync);
        account.MapDelete("/enrolment_tokens/{id:guid}", DeleteEnrolmentTokenAsync);
    }

    private static async Task<IResult> CreateApiTokenAsync(string account, TokenRequest? request, ControllerDbContext database, TimeProvider time, CancellationToken cancellationToken)
    {
        if (request is null || string.IsNullOrWhiteSpace(request.Name) || request.Name.Length > 100)
        {
            return Answers.Invalid("name: a name of 1 to 100 characters is required.");
        }

        string secret = Secrets.New(Secrets.ApiTokenPrefix);
        var token = new ApiToken { Id = Guid.NewGuid(), AccountId = account, Name = request.Name.Trim(), Hash = Secrets.Hash(secret), Created = time.GetUtcNow() };
        database.ApiTokens.Add(token);
        await database.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        return Answers.Created(new TokenModel(token.Id, token.Name, token.Created, secret));
    }

    private static async Task<IResult> ListApiTokensAsync(string account, ControllerDbContext database, CancellationToken cancellationToken)
    {
        List<ApiToken> tokens = await database.ApiTokens.AsNoTracking().Where(t => t.AccountId == account).ToListAsync(cancellationToken).ConfigureAwait(false);
        return Answers.Ok<IReadOnlyList<TokenModel>>([.. tokens.OrderBy(t => t.Created).Select(t => new TokenModel(t.Id, t.Name, t.Created, null))]);
    }

    private static async Task<IResult> DeleteApiTokenAsync(string account, Guid id, ControllerDbContext database, CancellationToken cancellationToken)
    {
        int deleted = await database.ApiTokens.Where(t => t.AccountId == account && t.Id == id).ExecuteDeleteAsync(cancellationToken).ConfigureAwait(false);
        return deleted == 0 ? Answers.Missing($"API token {id}") : Answers.Ok(new IdModel(id));
    }

    private static async Task<IResult> CreateEnrolmentTokenAsync(string account, EnrolmentTokenRequest? request, ControllerDbContext database, TimeProvider time, CancellationToken cancellationToken)
    {
        EnrolmentUser? user = request?.User;
        if (user is null || string.IsNullOrWhiteSpace(user.Email) || !MailAddress.TryCreate(user.Email, out MailAddress? email) || email.Address != user.Email.Trim())
        {
            return Answers.Invalid("user.email: the user's email address is required.");
        }

        IReadOnlyList<string> groups = user.Groups ?? [];
        if (groups.Any(g => string.IsNullOrWhiteSpace(g) || g.Contains('\n', StringComparison.Ordinal) || g.Length > 200) || groups.Count > 100)
        {
            return Answers.Invalid("user.groups: up to 100 group names, each 1 to 200 characters on one line.");
        }

        if (request!.ExpiresInSeconds is <= 0)
        {
            return Answers.Invalid("expires_in_seconds: must be positive (or absent, for a token that lasts until deleted).");
        }

        DateTimeOffset now = time.GetUtcNow();
        string secret = Secrets.New(Secrets.EnrolmentTokenPrefix);
        var token = new EnrolmentToken
        {
            Id = Guid.NewGuid(),
            AccountId = account,
            Hash = Secrets.Hash(secret),
            UserEmail = email.Address,
            UserId = string.IsNullOrWhiteSpace(user.Id) ? email.Address : user.Id.Trim(),
            UserGroups = string.Join('\n', groups.Select(g => g.Trim())),
            Created = now,
            Expires = request.ExpiresInSeconds is { } seconds ? now.AddSeconds(seconds) : null,
        };
        database.EnrolmentTokens.Add(token);
        await database.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        return Answers.Created(ToModel(token, secret));
    }

    private static async Task<IResult> ListEnrolmentTokensAsync(string account, ControllerDbContext database, CancellationToken cancellationToken)
    {
        List<EnrolmentToken> tokens = await database.EnrolmentTokens.AsNoTracking().Where(t => t.AccountId == account).ToListAsync(cancellationToken).ConfigureAwait(false);
        return Answers.Ok<IReadOnlyList<EnrolmentTokenModel>>([.. tokens.OrderBy(t => t.Created).Select(t => ToModel(t, null))]);
    }

    private static async Task<IResult> DeleteEnrolmentTokenAsync(string account, Guid id, ControllerDbContext database, CancellationToken cancellationToken)
    {
        int deleted = await database.EnrolmentTokens.Where(t => t.AccountId == account && t.Id == id).ExecuteDeleteAsync(cancellationToken).ConfigureAwait(false);
        return deleted == 0 ? Answers.Missing($"Enrolment token {id}") : Answers.Ok(new IdModel(id));
    }

    private static EnrolmentTokenModel ToModel(EnrolmentToken token, string? secret) =>
        new(token.Id, new EnrolmentUser(token.UserEmail, token.UserId, token.UserGroups.Split('\n', StringSplitOptions.RemoveEmptyEntries)), token.Created, token.Expires, secret);
}
