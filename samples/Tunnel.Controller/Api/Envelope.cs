using System.Text.Json.Serialization;

namespace Tunnel.Controller.Api;

/// <summary>One error or message of an answer: a number and words.</summary>
internal sealed record ApiMessage(int Code, string Message);

/// <summary>Paging of a list answer.</summary>
internal sealed record ResultInfo(int Page, int PerPage, int Count, int TotalCount);

/// <summary>
/// Every answer's envelope, as the device-management API that agents of this kind use has it:
/// <c>{"success": ..., "errors": [...], "messages": [...], "result": ...}</c>, and <c>result_info</c> for a page of a list.
/// </summary>
internal sealed record Envelope<T>(bool Success, IReadOnlyList<ApiMessage> Errors, IReadOnlyList<ApiMessage> Messages, T? Result)
{
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public ResultInfo? ResultInfo { get; init; }
}

/// <summary>The envelopes' results, and the errors' codes.</summary>
internal static class Answers
{
    /// <summary>The request is malformed or a field is invalid.</summary>
    public const int InvalidInput = 1001;

    /// <summary>What the request names does not exist in the account.</summary>
    public const int NotFound = 1003;

    /// <summary>The request conflicts with what exists (a key already enrolled, an address space full).</summary>
    public const int Conflict = 1004;

    /// <summary>No valid token was presented.</summary>
    public const int Unauthenticated = 10000;

    /// <summary>The token does not belong to the account named.</summary>
    public const int Forbidden = 10001;

    private static readonly ApiMessage[] None = [];

    public static IResult Ok<T>(T result, ResultInfo? info = null) =>
        TypedResults.Json(new Envelope<T>(true, None, None, result) { ResultInfo = info }, ControllerJsonContext.Default.Options, statusCode: StatusCodes.Status200OK);

    public static IResult Created<T>(T result) =>
        TypedResults.Json(new Envelope<T>(true, None, None, result), ControllerJsonContext.Default.Options, statusCode: StatusCodes.Status201Created);

    public static IResult Error(int status, int code, string message) =>
        TypedResults.Json(new Envelope<object>(false, [new ApiMessage(code, message)], None, null), ControllerJsonContext.Default.Options, statusCode: status);

    public static IResult Invalid(string message) => Error(StatusCodes.Status400BadRequest, InvalidInput, message);

    public static IResult Missing(string what) => Error(StatusCodes.Status404NotFound, NotFound, $"{what} does not exist.");
}
