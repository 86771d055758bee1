using System.Diagnostics.CodeAnalysis;

namespace Tunnel.Cli;

/// <summary>
/// The outcome of one call to the agent: either the typed answer with the JSON it came from (printed as is by
/// <c>--json</c>, so the output is exactly what the agent said), or a <see cref="LocalApiFailure"/>.
/// </summary>
/// <typeparam name="T">The answer's contract type.</typeparam>
internal sealed class LocalApiResult<T>
{
    private LocalApiResult(T? value, string? json, LocalApiFailure? failure)
    {
        Value = value;
        Json = json;
        Failure = failure;
    }

    /// <summary>The answer; null for an answer without a body (204) or on failure.</summary>
    public T? Value { get; }

    /// <summary>The answer's body as the agent sent it; null when there was none or on failure.</summary>
    public string? Json { get; }

    /// <summary>Why the call failed; null when it succeeded.</summary>
    public LocalApiFailure? Failure { get; }

    /// <summary>Whether the call succeeded.</summary>
    [MemberNotNullWhen(false, nameof(Failure))]
    public bool Succeeded => Failure is null;

    /// <summary>A successful call.</summary>
    /// <param name="value">The deserialized answer.</param>
    /// <param name="json">The body it came from.</param>
    public static LocalApiResult<T> Success(T? value, string? json) => new(value, json, null);

    /// <summary>A failed call.</summary>
    /// <param name="failure">Why it failed.</param>
    public static LocalApiResult<T> Fail(LocalApiFailure failure) => new(default, null, failure);
}
