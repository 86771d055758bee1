using System.Buffers.Binary;
using System.Net.Sockets;
using System.Runtime.Versioning;

namespace Tunnel.Platform.Linux;

/// <summary>
/// Who is at the other end of a connected UNIX-domain socket, as the kernel recorded it when the peer
/// connected (<c>SO_PEERCRED</c>, <c>SO_PEERGROUPS</c>): what a local control API checks before it lets a
/// client change anything. Unlike a file mode on the socket, it cannot be forged by the client.
/// </summary>
/// <param name="ProcessId">The peer's process id when it connected.</param>
/// <param name="UserId">The peer's effective user id.</param>
/// <param name="GroupId">The peer's effective group id.</param>
/// <param name="SupplementaryGroups">The peer's supplementary groups (empty where the kernel predates <c>SO_PEERGROUPS</c>, 4.13).</param>
/// <remarks>
/// On macOS the kernel's record is <c>LOCAL_PEERCRED</c>'s <c>struct xucred</c> (the effective group and at most 15
/// supplementary groups) and <c>LOCAL_PEERPID</c>. The type lives in the Linux namespace, where it began.
/// </remarks>
[SupportedOSPlatform("linux")]
[SupportedOSPlatform("macos")]
public sealed record UnixPeerCredentials(int ProcessId, uint UserId, uint GroupId, IReadOnlyList<uint> SupplementaryGroups)
{
    private const int SolSocket = 1;
    private const int SoPeerCred = 17;
    private const int SoPeerGroups = 59;
    private const int MaxGroups = 1024;

    /// <summary><c>SOL_LOCAL</c>, <c>LOCAL_PEERCRED</c> and <c>LOCAL_PEERPID</c> (sys/un.h on Darwin).</summary>
    private const int SolLocal = 0, LocalPeerCred = 1, LocalPeerPid = 2;

    /// <summary><c>sizeof(struct xucred)</c>: version, uid, a short count, then <c>NGROUPS</c> (16) gids.</summary>
    internal const int XucredSize = 76;

    /// <summary>Whether the peer is root.</summary>
    public bool IsRoot => UserId == 0;

    /// <summary>Whether the peer is in <paramref name="groupId"/>, as its effective or a supplementary group.</summary>
    /// <param name="groupId">The group.</param>
    /// <returns>Whether it is a member.</returns>
    public bool IsInGroup(uint groupId) => GroupId == groupId || SupplementaryGroups.Contains(groupId);

    /// <summary>Reads the credentials of a connected UNIX-domain socket's peer.</summary>
    /// <param name="socket">An accepted or connected <see cref="AddressFamily.Unix"/> stream socket.</param>
    /// <returns>The peer's credentials.</returns>
    /// <exception cref="ArgumentException">The socket is not a UNIX-domain socket.</exception>
    /// <exception cref="SocketException">The kernel refused (for example, the socket is not connected).</exception>
    public static UnixPeerCredentials FromSocket(Socket socket)
    {
        ArgumentNullException.ThrowIfNull(socket);
        if (socket.AddressFamily != AddressFamily.Unix)
        {
            throw new ArgumentException("Peer credentials exist only for UNIX-domain sockets.", nameof(socket));
        }

        if (OperatingSystem.IsMacOS())
        {
            Span<byte> xucred = stackalloc byte[XucredSize];
            int length = socket.GetRawSocketOption(SolLocal, LocalPeerCred, xucred);
            Span<byte> pid = stackalloc byte[sizeof(int)];
            int peer = socket.GetRawSocketOption(SolLocal, LocalPeerPid, pid) == sizeof(int) ? BitConverter.ToInt32(pid) : 0;
            return FromXucred(xucred[..length], peer);
        }

        // struct ucred { pid_t pid; uid_t uid; gid_t gid; }
        Span<byte> credentials = stackalloc byte[12];
        socket.GetRawSocketOption(SolSocket, SoPeerCred, credentials);
        int processId = BinaryPrimitives.ReadInt32LittleEndian(credentials);
        uint userId = BinaryPrimitives.ReadUInt32LittleEndian(credentials[4..]);
        uint groupId = BinaryPrimitives.ReadUInt32LittleEndian(credentials[8..]);
        if (!BitConverter.IsLittleEndian)
        {
            processId = BinaryPrimitives.ReverseEndianness(processId);
            userId = BinaryPrimitives.ReverseEndianness(userId);
            groupId = BinaryPrimitives.ReverseEndianness(groupId);
        }

        return new UnixPeerCredentials(processId, userId, groupId, ReadGroups(socket));
    }

    /// <summary>
    /// The credentials in a Darwin <c>struct xucred</c>: <c>cr_version</c> (0) at 0, <c>cr_uid</c> at 4,
    /// <c>cr_ngroups</c> (a short) at 8, <c>cr_groups[16]</c> at 12, the first of which is the effective group.
    /// </summary>
    /// <exception cref="SocketException">The record is short, or of a version not known here.</exception>
    internal static UnixPeerCredentials FromXucred(ReadOnlySpan<byte> xucred, int processId)
    {
        if (xucred.Length < 12 || BinaryPrimitives.ReadUInt32LittleEndian(xucred) != 0)
        {
            throw new SocketException((int)SocketError.ProtocolNotSupported);
        }

        uint userId = BinaryPrimitives.ReadUInt32LittleEndian(xucred[4..]);
        int count = Math.Clamp((int)BinaryPrimitives.ReadInt16LittleEndian(xucred[8..]), 0, Math.Min(16, (xucred.Length - 12) / sizeof(uint)));
        var groups = new uint[count];
        for (int i = 0; i < count; i++)
        {
            groups[i] = BinaryPrimitives.ReadUInt32LittleEndian(xucred[(12 + (i * sizeof(uint)))..]);
        }

        return new UnixPeerCredentials(processId, userId, count > 0 ? groups[0] : uint.MaxValue, count > 1 ? groups[1..] : []);
    }

    private static uint[] ReadGroups(Socket socket)
    {
        byte[] buffer = new byte[MaxGroups * sizeof(uint)];
        int length;
        try
        {
            length = socket.GetRawSocketOption(SolSocket, SoPeerGroups, buffer);
        }
        catch (SocketException)
        {
            // An old kernel, or more groups than fit: the effective group still decides.
            return [];
        }

        var groups = new uint[length / sizeof(uint)];
        for (int i = 0; i < groups.Length; i++)
        {
            groups[i] = BitConverter.ToUInt32(buffer, i * sizeof(uint));
        }

        return groups;
    }
}
