using System.Runtime.Versioning;
using Tunnel.Platform.Linux;
using Tunnel.Posture;

namespace Tunnel.Platform.Tests.Linux;

/// <summary>Posture from a fake root directory laid out as the real files are, and once from this machine.</summary>
[SupportedOSPlatform("linux")]
public sealed class LinuxDevicePostureCollectorTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("tunnel-posture-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private void Write(string relative, string text)
    {
        string path = Path.Combine(_root, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
    }

    private void Link(string relative, string target)
    {
        string path = Path.Combine(_root, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.CreateSymbolicLink(path, target);
    }

    private void Common()
    {
        Write("etc/os-release", "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nNAME=\"Debian GNU/Linux\"\nVERSION_ID=\"12\"\n# comment\n");
        Write("proc/sys/kernel/osrelease", "6.1.0-18-amd64\n");
    }

    [Fact]
    public void LuksUnderLvm_AndUfwEnabled_AreReported()
    {
        Common();
        Write("proc/mounts", "proc /proc proc rw 0 0\n/dev/mapper/vg-root / ext4 rw 0 0\n");
        Write("dev/dm-1", string.Empty);
        Link("dev/mapper/vg-root", "../dm-1");
        Write("sys/class/block/dm-1/dm/uuid", "LVM-abcdef\n");
        Write("sys/class/block/dm-1/slaves/dm-0", string.Empty);
        Write("sys/class/block/dm-0/dm/uuid", "CRYPT-LUKS2-0123-sda3_crypt\n");
        Write("etc/ufw/ufw.conf", "# ufw\nENABLED=yes\nLOGLEVEL=low\n");

        var posture = new LinuxDevicePostureCollector(_root).Collect("1.2.3", "key=");
        Assert.Equal(("Debian GNU/Linux 12 (bookworm)", "12", "6.1.0-18-amd64", "1.2.3", "key="), (posture.OperatingSystem, posture.OperatingSystemVersion, posture.KernelVersion, posture.AgentVersion, posture.PublicKey));
        Assert.Equal(PostureCheck.Enabled, posture.DiskEncryption);
        Assert.Equal(PostureCheck.Enabled, posture.Firewall);
        Assert.Contains("dm-crypt", posture.Details["disk-encryption"], StringComparison.Ordinal);
    }

    [Fact]
    public void APlainPartition_AndADisabledUfw_AreDisabled()
    {
        Common();
        Write("proc/mounts", "/dev/sda1 / ext4 rw 0 0\n");
        Write("dev/sda1", string.Empty);
        Write("etc/ufw/ufw.conf", "ENABLED=no\n");
        var posture = new LinuxDevicePostureCollector(_root).Collect("1", null);
        Assert.Equal(PostureCheck.Disabled, posture.DiskEncryption);
        Assert.Equal(PostureCheck.Disabled, posture.Firewall);
    }

    [Fact]
    public void WhatTheSystemDoesNotSay_IsUnknown()
    {
        Write("proc/mounts", "overlay / overlay rw 0 0\n");
        var posture = new LinuxDevicePostureCollector(_root).Collect("1", null);
        Assert.Equal(PostureCheck.Unknown, posture.DiskEncryption);
        Assert.Equal(PostureCheck.Unknown, posture.Firewall);
        Assert.Equal("Linux", posture.OperatingSystem);
        Assert.Contains("not a block device", posture.Details["disk-encryption"], StringComparison.Ordinal);
    }

    [Fact]
    public void ThisMachine_AnswersWithoutThrowing()
    {
        var posture = new LinuxDevicePostureCollector().Collect("1", null);
        Assert.NotEmpty(posture.OperatingSystem);
        Assert.Equal(Environment.OSVersion.Version.Major.ToString(System.Globalization.CultureInfo.InvariantCulture), posture.KernelVersion.Split('.')[0]);
        Assert.True(posture.Details.ContainsKey("disk-encryption") && posture.Details.ContainsKey("firewall"));
    }
}
