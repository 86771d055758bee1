namespace Tunnel.Controller.Api;

/// <summary>
/// The dashboard (<c>/</c> and <c>/dashboard.js</c>): a static page that does everything through the REST API with the
/// administrator's token, so it can do nothing a script cannot. Served with a content security policy that allows
/// only its own script and the API.
/// </summary>
internal static class DashboardEndpoints
{
    private const string Policy = "default-src 'none'; script-src 'self'; style-src 'unsafe-inline'; connect-src 'self'; form-action 'none'; frame-ancestors 'none'; base-uri 'none'";

    public static void Map(IEndpointRouteBuilder app)
    {
        byte[] page = Read("dashboard/index.html"), script = Read("dashboard/dashboard.js");
        app.MapGet("/", (HttpContext http) => Serve(http, page, "text/html; charset=utf-8")).ExcludeFromDescription();
        app.MapGet("/dashboard.js", (HttpContext http) => Serve(http, script, "text/javascript; charset=utf-8")).ExcludeFromDescription();
    }

    private static IResult Serve(HttpContext http, byte[] content, string type)
    {
        http.Response.Headers.ContentSecurityPolicy = Policy;
        http.Response.Headers.XContentTypeOptions = "nosniff";
        http.Response.Headers.CacheControl = "no-cache";
        return Results.Bytes(content, type);
    }

    private static byte[] Read(string name)
    {
        using Stream stream = typeof(DashboardEndpoints).Assembly.GetManifestResourceStream(name) ?? throw new InvalidOperationException($"{name} is not embedded.");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
