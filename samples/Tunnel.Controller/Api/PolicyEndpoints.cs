using Microsoft.EntityFrameworkCore;
using Tunnel.Controller.Data;
using Tunnel.Controller.Policy;

namespace Tunnel.Controller.Api;

/// <summary>
/// Device settings profiles. The account's default profile is <c>/accounts/{account}/devices/policy</c> (GET, PATCH)
/// with its lists at <c>.../policy/include</c>, <c>.../policy/exclude</c> and <c>.../policy/fallback_domains</c>
/// (GET, PUT: a PUT replaces the whole list). Other profiles are made with <c>POST .../devices/policy</c>, listed at
/// <c>GET .../devices/policies</c>, and are <c>.../devices/policy/{policy_id}</c> (GET, PATCH, DELETE) with the same
/// lists below them. A request is checked whole before anything is stored, and nothing is half-applied.
/// </summary>
internal static class PolicyEndpoints
{
    private static readonly string[] Modes = ["warp", "posture_only"];

    public static void Map(RouteGroupBuilder account)
    {
        account.MapGet("/devices/policy", async (string account, PolicyStore store, CancellationToken ct) =>
            Answers.Ok((await store.DefaultProfileAsync(account, ct).ConfigureAwait(false)).ToModel()));
        account.MapPatch("/devices/policy", async (string account, ProfileRequest? request, PolicyStore store, CancellationToken ct) =>
            await PatchAsync(account, await store.DefaultProfileAsync(account, ct).ConfigureAwait(false), request, store, ct).ConfigureAwait(false));
        account.MapPost("/devices/policy", CreateAsync);
        account.MapGet("/devices/policies", ListAsync);

        account.MapGet("/devices/policy/{policy_id:guid}", async (string account, Guid policy_id, PolicyStore store, CancellationToken ct) =>
            await store.ProfileAsync(account, policy_id, ct).ConfigureAwait(false) is { } profile ? Answers.Ok(profile.ToModel()) : Answers.Missing($"Policy {policy_id}"));
        account.MapPatch("/devices/policy/{policy_id:guid}", async (string account, Guid policy_id, ProfileRequest? request, PolicyStore store, CancellationToken ct) =>
            await store.ProfileAsync(account, policy_id, ct).ConfigureAwait(false) is { } profile
                ? await PatchAsync(account, profile, request, store, ct).ConfigureAwait(false)
                : Answers.Missing($"Policy {policy_id}"));
        account.MapDelete("/devices/policy/{policy_id:guid}", DeleteAsync);

        foreach (string list in new[] { "include", "exclude" })
        {
            account.MapGet($"/devices/policy/{list}", async (string account, PolicyStore store, CancellationToken ct) =>
                Answers.Ok((await store.DefaultProfileAsync(account, ct).ConfigureAwait(false)).ListModel(list)));
            account.MapPut($"/devices/policy/{list}", async (string account, IReadOnlyList<SplitTunnelModel>? entries, PolicyStore store, CancellationToken ct) =>
                await PutSplitTunnelAsync(account, await store.DefaultProfileAsync(account, ct).ConfigureAwait(false), list, entries, store, ct).ConfigureAwait(false));
            account.MapGet($"/devices/policy/{{policy_id:guid}}/{list}", async (string account, Guid policy_id, PolicyStore store, CancellationToken ct) =>
                await store.ProfileAsync(account, policy_id, ct).ConfigureAwait(false) is { } profile ? Answers.Ok(profile.ListModel(list)) : Answers.Missing($"Policy {policy_id}"));
            account.MapPut($"/devices/policy/{{policy_id:guid}}/{list}", async (string account, Guid policy_id, IReadOnlyList<SplitTunnelModel>? entries, PolicyStore store, CancellationToken ct) =>
                await store.ProfileAsync(account, policy_id, ct).ConfigureAwait(false) is { } profile
                    ? await PutSplitTunnelAsync(account, profile, list, entries, store, ct).ConfigureAwait(false)
                    : Answers.Missing($"Policy {policy_id}"));
        }

        account.MapGet("/devices/policy/fallback_domains", async (string account, PolicyStore store, CancellationToken ct) =>
            Answers.Ok((await store.DefaultProfileAsync(account, ct).ConfigureAwait(false)).FallbackModel()));
        account.MapPut("/devices/policy/fallback_domains", async (string account, IReadOnlyList<FallbackDomainModel>? entries, PolicyStore store, CancellationToken ct) =>
            await PutFallbackAsync(account, await store.DefaultProfileAsync(account, ct).ConfigureAwait(false), entries, store, ct).ConfigureAwait(false));
        account.MapGet("/devices/policy/{policy_id:guid}/fallback_domains", async (string account, Guid policy_id, PolicyStore store, CancellationToken ct) =>
            await store.ProfileAsync(account, policy_id, ct).ConfigureAwait(false) is { } profile ? Answers.Ok(profile.FallbackModel()) : Answers.Missing($"Policy {policy_id}"));
        account.MapPut("/devices/policy/{policy_id:guid}/fallback_domains", async (string account, Guid policy_id, IReadOnlyList<FallbackDomainModel>? entries, PolicyStore store, CancellationToken ct) =>
            await store.ProfileAsync(account, policy_id, ct).ConfigureAwait(false) is { } profile
                ? await PutFallbackAsync(account, profile, entries, store, ct).ConfigureAwait(false)
                : Answers.Missing($"Policy {policy_id}"));
    }

    private static async Task<IResult> ListAsync(string account, PolicyStore store, CancellationToken cancellationToken)
    {
        await store.DefaultProfileAsync(account, cancellationToken).ConfigureAwait(false);
        List<DeviceProfile> profiles = await store.WithLists().AsNoTracking().Where(p => p.AccountId == account).ToListAsync(cancellationToken).ConfigureAwait(false);
        return Answers.Ok<IReadOnlyList<ProfileModel>>([.. profiles.OrderBy(p => p.Precedence).ThenBy(p => p.Created).Select(p => p.ToModel())]);
    }

    private static async Task<IResult> CreateAsync(string account, ProfileRequest? request, PolicyStore store, CancellationToken cancellationToken)
    {
        if (request is null)
        {
            return Answers.Invalid("The body must be a profile: name, match and precedence at least.");
        }

        if (request.Name is null || request.Match is null || request.Precedence is null)
        {
            return Answers.Invalid($"{(request.Name is null ? "name" : request.Match is null ? "match" : "precedence")}: required for a new profile.");
        }

        await store.EnsureAccountAsync(account, cancellationToken).ConfigureAwait(false);
        var profile = new DeviceProfile { Id = Guid.NewGuid(), AccountId = account, Created = store.Now, Updated = store.Now };
        if (!TryApply(profile, request, out List<SplitTunnelEntry>? splitTunnel, out List<FallbackDomain>? fallback, out string? error))
        {
            return Answers.Invalid(error);
        }

        profile.SplitTunnel = splitTunnel ?? [];
        profile.FallbackDomains = fallback ?? [];
        await store.CommitAsync(account, () =>
        {
            store.Database.Profiles.Add(profile);
            return Task.CompletedTask;
        }, cancellationToken).ConfigureAwait(false);
        return Answers.Created(profile.ToModel());
    }

    private static async Task<IResult> PatchAsync(string account, DeviceProfile profile, ProfileRequest? request, PolicyStore store, CancellationToken cancellationToken)
    {
        if (request is null)
        {
            return Answers.Invalid("The body must be a profile's fields to change.");
        }

        if (profile.IsDefault && (request.Match is not null || request.Precedence is not null || request.Enabled is false))
        {
            return Answers.Invalid($"{(request.Match is not null ? "match" : request.Precedence is not null ? "precedence" : "enabled")}: the default profile applies to every device no other profile matches; it has no match or precedence and cannot be disabled.");
        }

        // Checked on a copy: a request with one bad field changes nothing.
        var candidate = new DeviceProfile
        {
            AccountId = profile.AccountId,
            Name = profile.Name,
            Description = profile.Description,
            Match = profile.Match,
            Precedence = profile.Precedence,
            Enabled = profile.Enabled,
            ServiceMode = profile.ServiceMode,
            AllowLocalChanges = profile.AllowLocalChanges,
        };
        if (!TryApply(candidate, request, out List<SplitTunnelEntry>? splitTunnel, out List<FallbackDomain>? fallback, out string? error))
        {
            return Answers.Invalid(error);
        }

        await store.CommitAsync(account, async () =>
        {
            profile.Name = candidate.Name;
            profile.Description = candidate.Description;
            profile.Match = candidate.Match;
            profile.Precedence = candidate.Precedence;
            profile.Enabled = candidate.Enabled;
            profile.ServiceMode = candidate.ServiceMode;
            profile.AllowLocalChanges = candidate.AllowLocalChanges;
            profile.Updated = store.Now;
            foreach ((string list, object? given) in new (string, object?)[] { ("include", request.Include), ("exclude", request.Exclude) })
            {
                if (given is not null)
                {
                    await ReplaceSplitTunnelAsync(store, profile, list, splitTunnel!.Where(e => e.List == list), cancellationToken).ConfigureAwait(false);
                }
            }

            if (fallback is not null)
            {
                await ReplaceFallbackAsync(store, profile, fallback, cancellationToken).ConfigureAwait(false);
            }
        }, cancellationToken).ConfigureAwait(false);
        return Answers.Ok(profile.ToModel());
    }

    private static async Task<IResult> DeleteAsync(string account, Guid policy_id, PolicyStore store, CancellationToken cancellationToken)
    {
        DeviceProfile? profile = await store.ProfileAsync(account, policy_id, cancellationToken).ConfigureAwait(false);
        if (profile is null)
        {
            return Answers.Missing($"Policy {policy_id}");
        }

        await store.CommitAsync(account, () =>
        {
            store.Database.Profiles.Remove(profile);
            return Task.CompletedTask;
        }, cancellationToken).ConfigureAwait(false);
        return Answers.Ok(new IdModel(policy_id));
    }

    private static async Task<IResult> PutSplitTunnelAsync(string account, DeviceProfile profile, string list, IReadOnlyList<SplitTunnelModel>? entries, PolicyStore store, CancellationToken cancellationToken)
    {
        if (!ListValidation.TryReadSplitTunnel(list, entries, out List<SplitTunnelEntry> parsed, out string? error))
        {
            return Answers.Invalid(error!);
        }

        await store.CommitAsync(account, async () =>
        {
            profile.Updated = store.Now;
            await ReplaceSplitTunnelAsync(store, profile, list, parsed, cancellationToken).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
        return Answers.Ok(profile.ListModel(list));
    }

    private static async Task<IResult> PutFallbackAsync(string account, DeviceProfile profile, IReadOnlyList<FallbackDomainModel>? entries, PolicyStore store, CancellationToken cancellationToken)
    {
        if (!ListValidation.TryReadFallbackDomains(entries, out List<FallbackDomain> parsed, out string? error))
        {
            return Answers.Invalid(error!);
        }

        await store.CommitAsync(account, async () =>
        {
            profile.Updated = store.Now;
            await ReplaceFallbackAsync(store, profile, parsed, cancellationToken).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
        return Answers.Ok(profile.FallbackModel());
    }

    private static async Task ReplaceSplitTunnelAsync(PolicyStore store, DeviceProfile profile, string list, IEnumerable<SplitTunnelEntry> entries, CancellationToken cancellationToken)
    {
        await store.Database.Set<SplitTunnelEntry>().Where(e => e.ProfileId == profile.Id && e.List == list).ExecuteDeleteAsync(cancellationToken).ConfigureAwait(false);
        foreach (SplitTunnelEntry stale in profile.SplitTunnel.Where(e => e.List == list).ToList())
        {
            store.Database.Entry(stale).State = EntityState.Detached;
            profile.SplitTunnel.Remove(stale);
        }

        foreach (SplitTunnelEntry entry in entries)
        {
            entry.ProfileId = profile.Id;
            profile.SplitTunnel.Add(entry);
        }
    }

    private static async Task ReplaceFallbackAsync(PolicyStore store, DeviceProfile profile, List<FallbackDomain> entries, CancellationToken cancellationToken)
    {
        await store.Database.Set<FallbackDomain>().Where(e => e.ProfileId == profile.Id).ExecuteDeleteAsync(cancellationToken).ConfigureAwait(false);
        foreach (FallbackDomain stale in profile.FallbackDomains.ToList())
        {
            store.Database.Entry(stale).State = EntityState.Detached;
        }

        profile.FallbackDomains.Clear();
        foreach (FallbackDomain entry in entries)
        {
            entry.ProfileId = profile.Id;
            profile.FallbackDomains.Add(entry);
        }
    }

    /// <summary>Applies a request's fields to <paramref name="profile"/>, checking each; lists are returned, not applied.</summary>
    private static bool TryApply(DeviceProfile profile, ProfileRequest request, out List<SplitTunnelEntry>? splitTunnel, out List<FallbackDomain>? fallback, [System.Diagnostics.CodeAnalysis.NotNullWhen(false)] out string? error)
    {
        splitTunnel = null;
        fallback = null;
        if (request.Name is not null)
        {
            if (string.IsNullOrWhiteSpace(request.Name) || request.Name.Length > 100)
            {
                error = "name: 1 to 100 characters.";
                return false;
            }

            profile.Name = request.Name.Trim();
        }

        if (request.Description is not null)
        {
            if (request.Description.Length > ListValidation.MaxDescription)
            {
                error = $"description: longer than {ListValidation.MaxDescription} characters.";
                return false;
            }

            profile.Description = request.Description;
        }

        if (request.Match is not null)
        {
            if (!MatchExpression.TryParse(request.Match, out _, out error))
            {
                return false;
            }

            profile.Match = request.Match.Trim();
        }

        if (request.Precedence is { } precedence)
        {
            if (precedence is < 1 or > 1_000_000)
            {
                error = "precedence: 1 to 1000000 (lowest first).";
                return false;
            }

            profile.Precedence = precedence;
        }

        if (request.Enabled is { } enabled)
        {
            profile.Enabled = enabled;
        }

        if (request.ServiceModeV2 is { } mode)
        {
            if (!Modes.Contains(mode.Mode))
            {
                error = $"service_mode_v2.mode: '{mode.Mode}' is not one of {string.Join(", ", Modes)}.";
                return false;
            }

            profile.ServiceMode = mode.Mode;
        }

        if (request.AllowLocalChanges is { } local)
        {
            profile.AllowLocalChanges = local;
        }

        if (request.Include is not null || request.Exclude is not null)
        {
            splitTunnel = [];
            foreach ((string list, IReadOnlyList<SplitTunnelModel>? entries) in new[] { ("include", request.Include), ("exclude", request.Exclude) })
            {
                if (entries is null)
                {
                    continue;
                }

                if (!ListValidation.TryReadSplitTunnel(list, entries, out List<SplitTunnelEntry> parsed, out error))
                {
                    return false;
                }

                splitTunnel.AddRange(parsed);
            }
        }

        if (request.FallbackDomains is not null)
        {
            if (!ListValidation.TryReadFallbackDomains(request.FallbackDomains, out List<FallbackDomain> parsed, out error))
            {
                return false;
            }

            fallback = parsed;
        }

        error = null;
        return true;
    }
}
