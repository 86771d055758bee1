using System.Text.Json.Nodes;

namespace Tunnel.Controller.Tests;

/// <summary>
/// The dashboard in Debian's headless Chromium, against a controller on Kestrel: an administrator signs in, sees the
/// device list, edits the default include list, and the change reaches the device's policy stream; a bad entry is
/// refused with the API's words, and nothing changes.
/// </summary>
public sealed class DashboardBrowserTests
{
    [Fact]
    public async Task SigningIn_ListsTheDevices_AndEditingAList_ReachesTheAgent()
    {
        await using ControllerHost host = ControllerHost.SqliteOnKestrel();
        ControllerHost.Enrolled device = await host.EnrolAsync("ann@corp.example", ["Engineering"], name: "ann-laptop");
        await using PolicyStreamReader stream = await PolicyStreamReader.OpenAsync(host.ClientWith(null), device.Credential);
        Assert.Equal("policy", (await stream.NextAsync(TimeSpan.FromSeconds(2))).Type);
        await using HeadlessChromium browser = await HeadlessChromium.StartAsync();

        await browser.NavigateAsync(host.Client.BaseAddress!);
        await browser.EvaluateAsync($"document.querySelector('#token').value = '{ControllerHost.Token}'; document.querySelector('#signin').click()");
        await browser.WaitForAsync("document.querySelectorAll('#devices tbody tr').length === 1");
        // Sign-in ends with the profiles and their list loaded and its own status line; editing before that would
        // race it (the list reloaded over the edit, the sign-in line over the save's).
        await browser.WaitForAsync("document.querySelector('#status').innerText.startsWith('signed in')");
        string row = (await browser.EvaluateAsync("document.querySelector('#devices tbody tr').innerText"))!.GetValue<string>();
        Assert.Contains("ann-laptop", row, StringComparison.Ordinal);
        Assert.Contains("ann@corp.example", row, StringComparison.Ordinal);

        // A bad entry: the API's refusal is shown, and the list stays empty.
        await browser.EvaluateAsync("document.querySelector('#entries').value = '10.40.0.0/33 typo'; document.querySelector('#save').click()");
        await browser.WaitForAsync("document.querySelector('#status').className === 'error'");
        Assert.Contains("include[0].address", (await browser.EvaluateAsync("document.querySelector('#status').innerText"))!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Empty((await host.OkAsync(HttpMethod.Get, $"/accounts/{ControllerHost.Account}/devices/policy/include")).AsArray());

        await browser.EvaluateAsync("document.querySelector('#entries').value = '10.40.0.0/16 lab via the browser\\n*.lab.corp.example'; document.querySelector('#save').click()");
        await browser.WaitForAsync("document.querySelector('#status').innerText.startsWith('saved: 2 entries')");

        (string type, _, JsonNode? policy) = await stream.NextAsync(TimeSpan.FromSeconds(2));
        Assert.Equal("policy", type);
        Assert.Equal("include", policy!["mode"]!.GetValue<string>());
        Assert.Equal(("10.40.0.0/16", "lab via the browser"), (policy["include"]![0]!["address"]!.GetValue<string>(), policy["include"]![0]!["description"]!.GetValue<string>()));
        Assert.Equal("*.lab.corp.example", policy["include"]![1]!["host"]!.GetValue<string>());
        await browser.WaitForAsync("document.querySelector('#profiles tbody').innerText.includes('10.40.0.0/16')");
    }

    [Fact]
    public async Task ThePage_AllowsOnlyItsOwnScript_AndTheApi()
    {
        await using ControllerHost host = ControllerHost.SqliteOnKestrel();

        using HttpResponseMessage page = await host.ClientWith(null).GetAsync(new Uri("/", UriKind.Relative), TestContext.Current.CancellationToken);

        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        string policy = string.Join(' ', page.Headers.GetValues("Content-Security-Policy"));
        Assert.Contains("script-src 'self'", policy, StringComparison.Ordinal);
        Assert.Contains("default-src 'none'", policy, StringComparison.Ordinal);
        Assert.DoesNotContain("<script>", await page.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal); // no inline script
    }
}
