using Tunnel.Platform.Darwin.Internal;
using Tunnel.Posture;

namespace Tunnel.Platform.Tests.Darwin;

/// <summary>A Mac's posture from what sw_vers, uname, fdesetup and socketfilterfw print (their real output, as macOS 14 gives it).</summary>
public sealed class DarwinPostureTests
{
    [Fact]
    public void TheToolsAnswers_BecomeThePosture()
    {
        var answers = new Dictionary<string, string>
        {
            ["/usr/bin/sw_vers -productName"] = "macOS\n",
            ["/usr/bin/sw_vers -productVersion"] = "14.4.1\n",
            ["/usr/bin/uname -r"] = "23.4.0\n",
            ["/usr/bin/fdesetup status"] = "FileVault is On.\n",
            ["/usr/libexec/ApplicationFirewall/socketfilterfw --getglobalstate"] = "Firewall is enabled. (State = 1)\n",
        };

        DevicePosture posture = DarwinPosture.Interpret("1.0", "key", (program, arguments) => answers.GetValueOrDefault($"{program} {string.Join(' ', arguments)}"));

        Assert.Equal("macOS", posture.OperatingSystem);
        Assert.Equal("14.4.1", posture.OperatingSystemVersion);
        Assert.Equal("23.4.0", posture.KernelVersion);
        Assert.Equal(PostureCheck.Enabled, posture.DiskEncryption);
        Assert.Equal(PostureCheck.Enabled, posture.Firewall);
        Assert.Equal("key", posture.PublicKey);
    }

    [Theory]
    [InlineData("FileVault is Off.", "Firewall is disabled. (State = 0)", PostureCheck.Disabled, PostureCheck.Disabled)]
    [InlineData("FileVault is On.\nFileVault is Off.", "something new", PostureCheck.Enabled, PostureCheck.Unknown)]
    [InlineData(null, null, PostureCheck.Unknown, PostureCheck.Unknown)]
    public void WhatTheToolsDoNotSay_IsUnknown_NeverGuessed(string? fileVault, string? firewall, PostureCheck disk, PostureCheck filter)
    {
        DevicePosture posture = DarwinPosture.Interpret("1.0", null, (program, _) => program.EndsWith("fdesetup", StringComparison.Ordinal) ? fileVault : program.EndsWith("socketfilterfw", StringComparison.Ordinal) ? firewall : null);

        Assert.Equal(disk, posture.DiskEncryption);
        Assert.Equal(filter, posture.Firewall);
        Assert.Equal("macOS", posture.OperatingSystem); // sw_vers silent: the name still says what it is
        Assert.Contains("disk-encryption", posture.Details.Keys);
    }
}
