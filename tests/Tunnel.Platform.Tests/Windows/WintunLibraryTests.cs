using System.Runtime.InteropServices;
using Tunnel.Platform.Windows.Internal;

namespace Tunnel.Platform.Tests.Windows;

/// <summary>A missing or wrong <c>wintun.dll</c> is a clear error that names the file, where it was looked for and where it comes from.</summary>
public sealed class WintunLibraryTests
{
    [Fact]
    public void AMissingLibrary_IsAClearError()
    {
        string directory = Directory.CreateTempSubdirectory("tunnel-wintun-").FullName;
        try
        {
            DllNotFoundException error = Assert.Throws<DllNotFoundException>(() => WintunLibrary.EnsureLoaded(directory));
            Assert.Contains(Path.Combine(directory, "wintun.dll"), error.Message, StringComparison.Ordinal);
            Assert.Contains("https://www.wintun.net/", error.Message, StringComparison.Ordinal);
            Assert.Contains($"bin/{WintunLibrary.ArchitectureFolder(RuntimeInformation.ProcessArchitecture)}/wintun.dll", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void AFileThatIsNotALibrary_IsAClearError()
    {
        string directory = Directory.CreateTempSubdirectory("tunnel-wintun-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(directory, "wintun.dll"), "not a library");
            DllNotFoundException error = Assert.Throws<DllNotFoundException>(() => WintunLibrary.EnsureLoaded(directory));
            Assert.Contains("cannot be loaded", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Theory]
    [InlineData(Architecture.X64, "amd64")]
    [InlineData(Architecture.Arm64, "arm64")]
    [InlineData(Architecture.X86, "x86")]
    public void TheReleaseArchiveFolder_MatchesTheProcess(Architecture architecture, string folder)
    {
        Assert.Equal(folder, WintunLibrary.ArchitectureFolder(architecture));
    }
}
