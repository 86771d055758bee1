using Tunnel.Core.Protocol.Internal;

namespace Tunnel.Core.Protocol;

/// <summary>The previous, current and next sessions (whitepaper section 5.4.5 and wireguard-go's keypairs).</summary>
public sealed partial class Peer
{
    /// <summary>
    /// The three keypair objects this peer recycles, made at its first handshake and given up when its keys are
    /// zeroed after long silence: a configured peer that is idle holds no session memory (about 3.5 KiB, mostly
    /// replay windows), which is what lets a gateway keep ten thousand of them.
    /// </summary>
    private Keypair[]? _keypairPool;
    private Keypair? _previous;
    private Keypair? _current;
    private Keypair? _next;

    internal Keypair? CurrentKeypair => _current;

    /// <summary>Whether the peer holds its keypair objects (from its first handshake until its keys are zeroed).</summary>
    internal bool HoldsSessionMemory => _keypairPool is not null;

    /// <summary>The responder's keypair until the initiator's first transport message confirms it.</summary>
    internal Keypair? NextKeypair => _next;

    /// <summary>
    /// Installs a freshly derived keypair. The initiator uses it at once (its peer proved the handshake by
    /// answering); the responder keeps it as "next" until the initiator's first transport message confirms
    /// it, and meanwhile keeps sending on its current session.
    /// </summary>
    internal Keypair InstallKeypair(bool isInitiator)
    {
        if (isInitiator)
        {
            if (_next is not null)
            {
                Release(ref _previous);
                _previous = _next;
                _next = null;
                Release(ref _current);
            }
            else
            {
                Release(ref _previous);
                _previous = _current;
                _current = null;
            }

            _current = Obtain();
            return _current;
        }

        Release(ref _next);
        Release(ref _previous);
        _next = Obtain();
        return _next;
    }

    /// <summary>Key confirmation: the first authenticated message under "next" makes it current.</summary>
    internal bool ConfirmKeypair(Keypair received)
    {
        if (!ReferenceEquals(received, _next))
        {
            return false;
        }

        Release(ref _previous);
        _previous = _current;
        _current = _next;
        _next = null;
        return true;
    }

    /// <summary>Whether <paramref name="keypair"/> is one of this peer's live sessions (the index table may lag a rotation).</summary>
    internal bool Holds(Keypair keypair) =>
        ReferenceEquals(keypair, _current) || ReferenceEquals(keypair, _previous) || ReferenceEquals(keypair, _next);

    /// <summary>Forgets every session and wipes its keys.</summary>
    internal void ReleaseAllKeypairs()
    {
        Release(ref _previous);
        Release(ref _current);
        Release(ref _next);
    }

    /// <summary>Gives the keypair objects back to the runtime; only when no session is live (after <see cref="ReleaseAllKeypairs"/>).</summary>
    internal void TrimKeypairs()
    {
        if (_previous is null && _current is null && _next is null)
        {
            _keypairPool = null;
        }
    }

    private Keypair Obtain()
    {
        foreach (var keypair in _keypairPool ??= [new Keypair(), new Keypair(), new Keypair()])
        {
            if (!Holds(keypair))
            {
                keypair.Clear();
                return keypair;
            }
        }

        // Three slots and at most two live sessions when a new one is derived: unreachable.
        throw new InvalidOperationException("No free keypair slot.");
    }

    private void Release(ref Keypair? slot)
    {
        if (slot is not null)
        {
            Device.RemoveIndex(slot.LocalIndex);
            slot.Clear();
            slot = null;
        }
    }
}
