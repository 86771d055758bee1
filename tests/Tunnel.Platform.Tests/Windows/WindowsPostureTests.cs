using Tunnel.Platform.Windows.Internal;
using Tunnel.Posture;

namespace Tunnel.Platform.Tests.Windows;

/// <summary>A Windows device's posture from what manage-bde and netsh print (their real English output).</summary>
public sealed class WindowsPostureTests
{
    private const string BitLockerOn = """
        BitLocker Drive Encryption: Configuration Tool version 10.0.22621
        Copyright (C) 2013 Microsoft Corporation. All rights reserved.

        Volume C: [Windows]
        [OS Volume]

            Size:                 475.83 GB
            BitLocker Version:    2.0
            Conversion Status:    Used Space Only Encrypted
            Percentage Encrypted: 100.0%
            Encryption Method:    XTS-AES 128
            Protection Status:    Protection On
            Lock Status:          Unlocked
        """;

    private const string FirewallOn = """

        Domain Profile Settings:
        ----------------------------------------------------------------------
        State                                 ON

        Private Profile Settings:
        ----------------------------------------------------------------------
        State                                 ON

        Public Profile Settings:
        ----------------------------------------------------------------------
        State                                 ON
        Ok.
        """;

    [Fact]
    public void TheToolsAnswers_BecomeThePosture()
    {
        DevicePosture posture = WindowsPosture.Interpret("1.0", "key", new Version(10, 0, 22631), "C:", (program, _) => program.StartsWith("manage-bde", StringComparison.Ordinal) ? BitLockerOn : FirewallOn);

        Assert.Equal("Windows", posture.OperatingSystem);
        Assert.Equal("10.0", posture.OperatingSystemVersion);
        Assert.Equal("22631", posture.KernelVersion);
        Assert.Equal(PostureCheck.Enabled, posture.DiskEncryption);
        Assert.Equal(PostureCheck.Enabled, posture.Firewall);
    }

    [Fact]
    public void OneProfileOff_IsAFirewallOff_AndSilenceIsUnknown()
    {
        string oneOff = string.Join('\n', FirewallOn.Split('\n').Select((line, i) => line.Trim().StartsWith("State", StringComparison.Ordinal) && i > 8 ? "State OFF" : line));
        DevicePosture posture = WindowsPosture.Interpret("1.0", null, new Version(10, 0, 19045), "C:", (program, _) => program.StartsWith("manage-bde", StringComparison.Ordinal) ? BitLockerOn.Replace("Protection On", "Protection Off", StringComparison.Ordinal) : oneOff);
        Assert.Equal(PostureCheck.Disabled, posture.DiskEncryption);
        Assert.Equal(PostureCheck.Disabled, posture.Firewall);

        DevicePosture silent = WindowsPosture.Interpret("1.0", null, new Version(10, 0, 19045), "C:", (_, _) => null);
        Assert.Equal(PostureCheck.Unknown, silent.DiskEncryption);
        Assert.Equal(PostureCheck.Unknown, silent.Firewall);

        DevicePosture german = WindowsPosture.Interpret("1.0", null, new Version(10, 0, 19045), "C:", (_, _) => "Schutzstatus:    Der Schutz ist aktiviert.\nStatus  EIN");
        Assert.Equal(PostureCheck.Unknown, german.DiskEncryption);
        Assert.Equal(PostureCheck.Unknown, german.Firewall);
    }
}
