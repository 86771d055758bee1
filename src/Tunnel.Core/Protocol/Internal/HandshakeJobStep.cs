namespace Tunnel.Core.Protocol.Internal;

/// <summary>Where a <see cref="HandshakeJob"/> stands: work for <see cref="HandshakeJob.Run"/>, or a result for the device.</summary>
internal enum HandshakeJobStep : byte
{
    /// <summary>Empty: nothing prepared, or finished.</summary>
    None,

    /// <summary>An initiation's "e, es, s" to run: recovers the initiator's static key.</summary>
    ReadInitiation,

    /// <summary>Run: the device finds the peer, checks the payload and draws the response's ephemeral.</summary>
    InitiationRead,

    /// <summary>The response's "e, ee, se, psk" to run.</summary>
    WriteResponse,

    /// <summary>Run: the device installs the session and sends the response.</summary>
    ResponseWritten,

    /// <summary>A response to our initiation to run: "e, ee, se, psk" from the initiator's side.</summary>
    ReadResponse,

    /// <summary>Run: the device installs the session.</summary>
    ResponseRead,

    /// <summary>Our own initiation's "e, es, s, ss" and timestamp to write.</summary>
    WriteInitiation,

    /// <summary>Run: the device checks that the handshake is still this one, adds the MACs and sends it.</summary>
    InitiationWritten,
}
