using Tunnel.Core.Messages;

namespace Tunnel.Fuzz.Targets;

/// <summary>Message classification by type and size, and the receiver index every session lookup starts from.</summary>
internal sealed class MessageTarget : IFuzzTarget
{
    public string Name => "message";

    public void Run(ReadOnlySpan<byte> data)
    {
        MessageType type = MessageLayout.Classify(data);
        uint receiver = MessageLayout.ReadReceiverIndex(data, type);
        int expectedLength = type switch
        {
            MessageType.HandshakeInitiation => MessageLayout.InitiationSize,
            MessageType.HandshakeResponse => MessageLayout.ResponseSize,
            MessageType.CookieReply => MessageLayout.CookieReplySize,
            _ => -1,
        };

        if (expectedLength >= 0 && data.Length != expectedLength)
        {
            throw new FuzzInvariantException($"{type} classified at {data.Length} bytes");
        }

        if (type == MessageType.TransportData && data.Length < MessageLayout.KeepaliveSize)
        {
            throw new FuzzInvariantException("transport data shorter than a keepalive");
        }

        if (type is MessageType.Invalid or MessageType.HandshakeInitiation && receiver != 0)
        {
            throw new FuzzInvariantException("a receiver index read from a message that has none");
        }
    }
}
