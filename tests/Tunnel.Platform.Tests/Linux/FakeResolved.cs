using System.Collections.Concurrent;
using System.Globalization;
using Tmds.DBus.Protocol;

namespace Tunnel.Platform.Tests.Linux;

/// <summary>
/// A stand-in for systemd-resolved on a <see cref="PrivateBus"/>: owns <c>org.freedesktop.resolve1</c>, records
/// every call to the manager's link methods with its decoded arguments, and answers a D-Bus error where told to.
/// </summary>
internal sealed class FakeResolved : IPathMethodHandler, IDisposable
{
    private readonly DBusConnection _connection;
    private readonly ConcurrentDictionary<string, (string Name, string Message)> _failures = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<ResolvedCall> _calls = new();

    private FakeResolved(DBusConnection connection) => _connection = connection;

    public string Path => "/org/freedesktop/resolve1";

    public bool HandlesChildPaths => false;

    /// <summary>The calls so far, in the order they arrived.</summary>
    public IReadOnlyList<ResolvedCall> Calls => [.. _calls];

    public static async Task<FakeResolved> StartAsync(string busAddress)
    {
        var connection = new DBusConnection(busAddress);
        await connection.ConnectAsync();
        var fake = new FakeResolved(connection);
        connection.AddMethodHandler(fake);
        await connection.RequestNameAsync("org.freedesktop.resolve1", RequestNameOptions.Default);
        return fake;
    }

    /// <summary>Answers calls of <paramref name="method"/> with the error <paramref name="errorName"/> from now on.</summary>
    public void Fail(string method, string errorName, string message) => _failures[method] = (errorName, message);

    public ValueTask HandleMethodAsync(MethodContext context)
    {
        Message request = context.Request;
        string method = request.MemberAsString ?? "";
        if (request.InterfaceAsString != "org.freedesktop.resolve1.Manager")
        {
            context.ReplyUnknownMethodError();
            return ValueTask.CompletedTask;
        }

        Reader reader = request.GetBodyReader();
        ResolvedCall call;
        switch (method, request.SignatureAsString)
        {
            case ("SetLinkDNS", "ia(iay)"):
                call = new ResolvedCall(method, reader.ReadInt32(), ReadServers(ref reader));
                break;
            case ("SetLinkDomains", "ia(sb)"):
                call = new ResolvedCall(method, reader.ReadInt32(), ReadDomains(ref reader));
                break;
            case ("SetLinkDefaultRoute", "ib"):
                call = new ResolvedCall(method, reader.ReadInt32(), [reader.ReadBool() ? "true" : "false"]);
                break;
            case ("RevertLink", "i"):
                call = new ResolvedCall(method, reader.ReadInt32(), []);
                break;
            default:
                context.ReplyError("org.freedesktop.DBus.Error.InvalidArgs", $"Unexpected {method}({request.SignatureAsString}).");
                return ValueTask.CompletedTask;
        }

        _calls.Enqueue(call);
        if (_failures.TryGetValue(method, out var failure))
        {
            context.ReplyError(failure.Name, failure.Message);
        }
        else
        {
            using var writer = context.CreateReplyWriter(null!);
            context.Reply(writer.CreateMessage());
        }

        return ValueTask.CompletedTask;
    }

    public void Dispose() => _connection.Dispose();

    /// <summary>Each server as <c>family:hex bytes</c>, for example <c>2:7f000035</c>.</summary>
    private static string[] ReadServers(ref Reader reader)
    {
        var servers = new List<string>();
        ArrayEnd end = reader.ReadArrayStart(DBusType.Struct);
        while (reader.HasNext(end))
        {
            reader.AlignStruct();
            int family = reader.ReadInt32();
            byte[] address = reader.ReadArrayOfByte();
            servers.Add(string.Create(CultureInfo.InvariantCulture, $"{family}:{Convert.ToHexStringLower(address)}"));
        }

        return [.. servers];
    }

    /// <summary>Each domain as <c>~name</c> when routing-only, else <c>name</c>, as resolvectl shows them.</summary>
    private static string[] ReadDomains(ref Reader reader)
    {
        var domains = new List<string>();
        ArrayEnd end = reader.ReadArrayStart(DBusType.Struct);
        while (reader.HasNext(end))
        {
            reader.AlignStruct();
            string name = reader.ReadString();
            domains.Add(reader.ReadBool() ? "~" + name : name);
        }

        return [.. domains];
    }
}

/// <summary>One call systemd-resolved received: the method, the interface index, and the rest of the arguments as text.</summary>
internal sealed record ResolvedCall(string Method, int InterfaceIndex, IReadOnlyList<string> Arguments)
{
    public override string ToString() => $"{Method}({InterfaceIndex}{string.Concat(Arguments.Select(argument => ", " + argument))})";
}
