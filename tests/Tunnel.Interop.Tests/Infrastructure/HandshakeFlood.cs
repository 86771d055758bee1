using System.Buffers.Binary;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Tunnel.Core.Crypto;
using Tunnel.Platform.Linux.Internal;

namespace Tunnel.Interop.Tests.Infrastructure;

/// <summary>
/// An attacker who knows a responder's public key: handshake initiations with a valid MAC1 and random
/// ephemerals (each costs the responder a Diffie-Hellman unless it asks for a cookie first), sent at a fixed
/// rate from a namespace, mixed with other datagrams (transport messages for unknown sessions, forged cookie
/// replies). It counts the cookie replies it gets back and when the first came.
/// </summary>
internal sealed class HandshakeFlood : IDisposable
{
    private const int InitiationSize = 148;
    private const int Mac1Offset = 116;

    private readonly Socket _socket;
    private readonly EndPoint _target;
    private readonly byte[] _mac1Key = new byte[32];
    private readonly Thread _sender;
    private readonly Thread _receiver;
    private readonly int _perSecond;
    private readonly TimeSpan _duration;
    private readonly Stopwatch _clock = new();
    private long _firstCookieTicks = -1;
    private volatile bool _stopped;

    public HandshakeFlood(string ns, IPEndPoint target, string responderPublicKey, int perSecond, TimeSpan duration)
    {
        _socket = NetworkNamespace.Run(ns, () => new Socket(target.AddressFamily, SocketType.Dgram, ProtocolType.Udp));
        _socket.Bind(new IPEndPoint(target.AddressFamily == AddressFamily.InterNetwork ? IPAddress.Any : IPAddress.IPv6Any, 0));
        _socket.ReceiveTimeout = 200;
        _target = target;
        _perSecond = perSecond;
        _duration = duration;

        // MAC1's key: HASH("mac1----" || the responder's static public key) (whitepaper 5.4.4).
        byte[] label = [.. "mac1----"u8, .. Convert.FromBase64String(responderPublicKey)];
        Blake2s.HashData(label, _mac1Key);
        _sender = new Thread(Send) { IsBackground = true, Name = "flood sender" };
        _receiver = new Thread(Receive) { IsBackground = true, Name = "flood receiver" };
    }

    public long Initiations { get; private set; }

    public long Others { get; private set; }

    public long CookieReplies => Interlocked.Read(ref _cookieReplies);

    private long _cookieReplies;

    /// <summary>From the first datagram to the first cookie reply; null if none came.</summary>
    public TimeSpan? FirstCookieAfter => Interlocked.Read(ref _firstCookieTicks) is >= 0 and var ticks ? TimeSpan.FromTicks(ticks) : null;

    public TimeSpan Elapsed { get; private set; }

    public void Start()
    {
        _clock.Start();
        _receiver.Start();
        _sender.Start();
    }

    /// <summary>Waits for the flood to end (its duration), then for late cookie replies.</summary>
    public void Wait()
    {
        _sender.Join();
        Thread.Sleep(300);
        _stopped = true;
        _receiver.Join();
    }

    public void Dispose()
    {
        _stopped = true;
        _socket.Dispose();
    }

    private void Send()
    {
        var initiation = new byte[InitiationSize];
        var transport = new byte[64];
        var cookie = new byte[64];
        long sent = 0;
        while (_clock.Elapsed < _duration)
        {
            // Paced in 1 ms steps: the count due by now, so the rate holds whatever the scheduler does.
            long due = (long)(_clock.Elapsed.TotalSeconds * _perSecond);
            for (; sent < due; sent++)
            {
                WriteInitiation(initiation);
                _socket.SendTo(initiation, _target);
                Initiations++;
                if (sent % 4 == 0)
                {
                    RandomNumberGenerator.Fill(transport);
                    BinaryPrimitives.WriteUInt32LittleEndian(transport, 4);
                    _socket.SendTo(transport, _target);
                    RandomNumberGenerator.Fill(cookie);
                    BinaryPrimitives.WriteUInt32LittleEndian(cookie, 3);
                    _socket.SendTo(cookie, _target);
                    Others += 2;
                }
            }

            Thread.Sleep(1);
        }

        Elapsed = _clock.Elapsed;
    }

    private void WriteInitiation(byte[] message)
    {
        RandomNumberGenerator.Fill(message); // sender index, ephemeral, "encrypted" static and timestamp: noise
        BinaryPrimitives.WriteUInt32LittleEndian(message, 1);
        Blake2s.HashData(_mac1Key, message.AsSpan(0, Mac1Offset), message.AsSpan(Mac1Offset, 16));
        message.AsSpan(Mac1Offset + 16).Clear(); // no MAC2: the attacker has no cookie
    }

    private void Receive()
    {
        var buffer = new byte[256];
        while (!_stopped)
        {
            int length;
            try
            {
                length = _socket.Receive(buffer);
            }
            catch (SocketException error) when (error.SocketErrorCode is SocketError.TimedOut or SocketError.WouldBlock)
            {
                continue;
            }
            catch (Exception) when (_stopped)
            {
                return;
            }

            if (length == 64 && buffer[0] == 3)
            {
                if (Interlocked.Increment(ref _cookieReplies) == 1)
                {
                    Interlocked.Exchange(ref _firstCookieTicks, _clock.Elapsed.Ticks);
                }
            }
        }
    }
}
