using System.Net.Http.Headers;
using System.Net.NetworkInformation;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Tunnel.ControlPlane;
using Tunnel.Core.Crypto;

namespace Tunnel.Agent;

/// <summary>
/// <c>tunnel-agent enroll --controller URL --token TOKEN --config FILE [--name NAME]</c>: registers this device with a
/// controller and writes what <c>tunnel-agent run --config FILE</c> needs: a new WireGuard key (in the tunnel's
/// <c>.conf</c> beside the configuration, readable by its owner only), the device's credential (likewise), and the
/// configuration itself, with the tunnel the controller assigned and the controller to follow. Nothing is written if
/// the controller refuses, and nothing existing is overwritten.
/// </summary>
internal static class EnrollCommand
{
    public const string Usage = "tunnel-agent enroll --controller URL --token TOKEN --config FILE [--name NAME]";

    public static async Task<int> RunAsync(IReadOnlyList<string> args, HttpMessageHandler? handler = null)
    {
        string? controller = null, token = null, config = null, name = null;
        for (int i = 0; i < args.Count; i++)
        {
            string value = i + 1 < args.Count ? args[i + 1] : "";
            switch (args[i])
            {
                case "--controller" when value.Length > 0:
                    controller = value;
                    i++;
                    break;
                case "--token" when value.Length > 0:
                    token = value;
                    i++;
                    break;
                case "--config" or "-c" when value.Length > 0:
                    config = value;
                    i++;
                    break;
                case "--name" when value.Length > 0:
                    name = value;
                    i++;
                    break;
                default:
                    Console.Error.WriteLine($"tunnel-agent: unexpected '{args[i]}'. Usage: {Usage}");
                    return 2;
            }
        }

        token ??= Environment.GetEnvironmentVariable("TUNNEL_ENROLMENT_TOKEN");
        if (controller is null || token is null || config is null || !Uri.TryCreate(controller, UriKind.Absolute, out Uri? url) || url.Scheme is not ("http" or "https"))
        {
            Console.Error.WriteLine($"tunnel-agent: --controller (an http or https address), --token (or TUNNEL_ENROLMENT_TOKEN) and --config are required. Usage: {Usage}");
            return 2;
        }

        config = Path.GetFullPath(config);
        string directory = Path.GetDirectoryName(config)!;
        string stem = Path.GetFileNameWithoutExtension(config);
        string conf = Path.Combine(directory, $"{stem}.conf"), credential = Path.Combine(directory, $"{stem}.credential");
        if (new[] { config, conf, credential }.FirstOrDefault(File.Exists) is { } existing)
        {
            Console.Error.WriteLine($"tunnel-agent: {existing} exists already; enrolling writes new files and overwrites none.");
            return 1;
        }

        byte[] entropy = RandomNumberGenerator.GetBytes(32);
        PrivateKey key = PrivateKey.Create(entropy);
        CryptographicOperations.ZeroMemory(entropy);
        var request = new EnrolmentRequest(
            token, key.GetPublicKey().ToBase64String(), name ?? Environment.MachineName, DeviceType(), Model(), Environment.OSVersion.VersionString, Serial(), MacAddress(), AgentVersion.Text);
        EnrolmentResponse enrolled;
        using (var http = new HttpClient(handler ?? new SocketsHttpHandler(), disposeHandler: handler is null) { BaseAddress = url, Timeout = TimeSpan.FromSeconds(30) })
        {
            try
            {
                using var content = new StringContent(JsonSerializer.Serialize(request, ControlPlaneJsonContext.Default.EnrolmentRequest), Encoding.UTF8, "application/json");
                content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
                using HttpResponseMessage response = await http.PostAsync(new Uri("agent/v1/enrol", UriKind.Relative), content);
                string body = await response.Content.ReadAsStringAsync();
                ControlPlaneAnswer<EnrolmentResponse>? answer = TryRead(body);
                if (!response.IsSuccessStatusCode || answer is not { Success: true, Result: { } result })
                {
                    string why = answer is { Errors.Count: > 0 } ? answer.Errors[0].Message : $"{(int)response.StatusCode} {response.ReasonPhrase}";
                    Console.Error.WriteLine($"tunnel-agent: {url} refused the enrolment: {why}");
                    return 1;
                }

                enrolled = result;
            }
            catch (Exception error) when (error is HttpRequestException or TaskCanceledException)
            {
                Console.Error.WriteLine($"tunnel-agent: {url} could not be reached: {error.Message}");
                return 1;
            }
        }

        Directory.CreateDirectory(directory);
        WritePrivate(conf, Conf(key, enrolled));
        WritePrivate(credential, enrolled.DeviceCredential + "\n");
        WritePrivate(config, Configuration(conf, url, credential));
        Console.Out.WriteLine($"tunnel-agent: enrolled as device {enrolled.DeviceId} at {enrolled.Address}; start it with: tunnel-agent run --config {config} --connect");
        return 0;
    }

    private static ControlPlaneAnswer<EnrolmentResponse>? TryRead(string body)
    {
        try
        {
            return JsonSerializer.Deserialize(body, ControlPlaneJsonContext.Default.ControlPlaneAnswerEnrolmentResponse);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string Conf(PrivateKey key, EnrolmentResponse enrolled)
    {
        var text = new StringBuilder()
            .Append("[Interface]\n")
            .Append("PrivateKey = ").Append(key.ToBase64String()).Append('\n')
            .Append("Address = ").Append(enrolled.Address).Append('\n');
        if (enrolled.Dns.Count > 0)
        {
            text.Append("DNS = ").Append(string.Join(", ", enrolled.Dns)).Append('\n');
        }

        if (enrolled.Gateway is { } gateway)
        {
            text.Append("\n[Peer]\n")
                .Append("PublicKey = ").Append(gateway.PublicKey).Append('\n')
                .Append("AllowedIPs = ").Append(string.Join(", ", gateway.AllowedIps)).Append('\n');
            if (gateway.Endpoint is { Length: > 0 } endpoint)
            {
                text.Append("Endpoint = ").Append(endpoint).Append('\n');
            }

            if (gateway.PersistentKeepalive > 0)
            {
                text.Append("PersistentKeepalive = ").Append(gateway.PersistentKeepalive).Append('\n');
            }
        }

        return text.ToString();
    }

    private static string Configuration(string conf, Uri controller, string credential)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteStartObject("tunnel");
            json.WriteString("file", conf);
            json.WriteEndObject();
            json.WriteStartObject("controller");
            json.WriteString("url", controller.ToString());
            json.WriteString("credentialFile", credential);
            json.WriteEndObject();
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray()) + "\n";
    }

    /// <summary>Writes a new file readable by its owner only (from its creation, not after).</summary>
    private static void WritePrivate(string path, string text)
    {
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using var stream = new FileStream(path, options);
        stream.Write(Encoding.UTF8.GetBytes(text));
    }

    private static string DeviceType() =>
        OperatingSystem.IsLinux() ? "linux" : OperatingSystem.IsMacOS() ? "mac" : OperatingSystem.IsWindows() ? "windows" : "linux";

    private static string Model() => ReadFirstLine("/sys/class/dmi/id/product_name");

    private static string Serial() => ReadFirstLine("/sys/class/dmi/id/product_serial"); // root only; empty otherwise

    private static string ReadFirstLine(string path)
    {
        try
        {
            return OperatingSystem.IsLinux() && File.Exists(path) ? File.ReadLines(path).FirstOrDefault()?.Trim() ?? "" : "";
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            return "";
        }
    }

    private static string MacAddress()
    {
        NetworkInterface? first = NetworkInterface.GetAllNetworkInterfaces()
            .Where(nic => nic.NetworkInterfaceType is not (NetworkInterfaceType.Loopback or NetworkInterfaceType.Tunnel) && nic.GetPhysicalAddress().GetAddressBytes().Length == 6)
            .OrderBy(nic => nic.Name, StringComparer.Ordinal)
            .FirstOrDefault();
        return first is null ? "" : string.Join(':', first.GetPhysicalAddress().GetAddressBytes().Select(b => b.ToString("x2", System.Globalization.CultureInfo.InvariantCulture)));
    }
}
