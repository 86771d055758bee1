using Microsoft.Extensions.Logging;
using Tunnel.Core;
using Tunnel.Core.Crypto;
using Tunnel.Core.Protocol;

namespace Tunnel.Internal;

/// <summary>
/// Drives one <see cref="Device"/> with real I/O: an outbound pump (TUN to UDP) and an inbound pump (UDP to
/// TUN) on dedicated threads, and a one-shot timer re-armed to the core's <see cref="Device.NextDeadline"/>.
/// </summary>
/// <remarks>
/// <para>
/// Each pump moves a batch per iteration: read a batch; under the device lock, the sequential protocol work
/// of the whole batch (routing, nonces, replay and source checks, draining what the core queued, re-arming
/// the timer); outside it, the seals or opens of the batch on the pump and the crypto helpers; then the
/// batch written out in order. The lock is never held across a system call, a transport seal or open (the
/// seals of keepalives and released packets run when their batch is sent) or a responder's Diffie-Hellman
/// (the handshake worker's jobs), so the two pumps and the helpers overlap. The one cipher work left under it
/// is an initiation we send (a key pair and one DH, about 110 us, once per handshake). Per-peer order is the
/// order the nonces were assigned in.
/// </para>
/// <para>
/// Buffers come from one pinned pool at start-up; the steady state allocates nothing per packet or batch.
/// </para>
/// </remarks>
internal sealed partial class DeviceEngine : IDisposable
{
    private readonly Lock _gate = new();
    private readonly Lock _configurationGate = new();

    /// <summary>Held by the timer and configuration while they use <see cref="_controlTransmits"/>, taken before <see cref="_gate"/>.</summary>
    private readonly Lock _controlGate = new();
    private readonly Device _device;
    private readonly ITunDevice _tun;
    private readonly IDatagramSocketFactory _socketFactory;
    private readonly TimeProvider _time;
    private readonly long _origin;
    private readonly ILogger _logger;
    private volatile PacketBufferPool _pool;
    private readonly PacketBufferPool _receivePool;
    private TransmitBatch _controlTransmits;
    private int _mtu;
    private readonly ITimer _timer;
    private readonly CryptoWorkers _workers;
    private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile IDatagramSocket? _socket;
    private TimeSpan _armedFor = TimeSpan.MaxValue;
    private PrivateKey _privateKey; // the device does not hand its key out; the UAPI get reports this copy
    private uint _firewallMark;
    private Thread? _outbound;
    private Thread? _inbound;
    private Thread? _handshakeWorker;
    private volatile bool _stopping;
    private int _stopped;

    public DeviceEngine(TunnelOptions options, ITunDevice tun, IDatagramSocketFactory socketFactory, TimeProvider time, ILogger logger, IEntropySource entropy)
    {
        _tun = tun;
        _socketFactory = socketFactory;
        _time = time;
        _logger = logger;
        _origin = time.GetTimestamp();
        _privateKey = options.PrivateKey ?? default; // none: the device answers nothing until one is set
        WallClockAtZero = time.GetUtcNow();
        // The interface is the truth about its MTU where it can tell: an administrator may have set it already.
        _mtu = tun.Mtu >= 576 ? Math.Min(tun.Mtu, Device.MaxMtu) : options.Mtu;
        _device = new Device(new DeviceOptions { PrivateKey = _privateKey, Mtu = _mtu, WallClockAtZero = WallClockAtZero }, entropy);

        // Each pump keeps a batch of buffers plus as many spares for what the core releases; the timer and
        // configuration share the control spares. The socket's batch size is not known before it is bound.
        int buffers = (2 * Math.Max(tun.BatchSize, 1)) + MaxReceiveBatch + ControlSpares + HandshakeSpares;
        _pool = new PacketBufferPool(Math.Max(_mtu, 1280), buffers);

        // Received datagrams land in buffers for the largest one WireGuard sends, whatever our MTU: a peer may use
        // a larger one, and the receive must never cut a datagram (as wireguard-go's receive buffers). Only the
        // bytes received are touched, so the untouched rest costs address space, not memory.
        _receivePool = new PacketBufferPool(Device.MaxMtu, MaxReceiveBatch);
        _controlTransmits = new TransmitBatch(_pool.RentBatch(ControlSpares), ControlSpares);
        _workers = new CryptoWorkers(options.CryptoHelperThreads, tun.Name);
        _timer = time.CreateTimer(static state => ((DeviceEngine)state!).OnTimer(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        Counters = new EngineCounters();
    }

    private const int ControlSpares = 64;

    /// <summary>The handshake worker's answers (responses, cookie replies, released packets) sent as one batch.</summary>
    private const int HandshakeSpares = 64;

    /// <summary>The most datagrams the inbound pump takes per receive, whatever the socket offers.</summary>
    private const int MaxReceiveBatch = 128;

    public EngineCounters Counters { get; }

    public DateTimeOffset WallClockAtZero { get; }

    public string Name => _tun.Name;

    public ushort ListenPort => _socket?.Port ?? 0;

    public PublicKey? PublicKey
    {
        get
        {
            lock (_gate)
            {
                return _device.HasPrivateKey ? _device.PublicKey : null;
            }
        }
    }

    public Task Completion => _completion.Task;

    /// <summary>The device time: monotonic, from the engine's creation.</summary>
    private TimeSpan Now => _time.GetElapsedTime(_origin);

    /// <summary>Binds the socket, applies the initial peers and starts the pumps.</summary>
    public void Start(TunnelOptions options)
    {
        _firewallMark = options.FirewallMark;
        _socket = _socketFactory.Bind(options.ListenPort, options.FirewallMark);
        var request = ConfigurationRequests.FromOptions(options);
        try
        {
            Configure(request);
        }
        catch
        {
            _socket.Dispose();
            throw;
        }
        finally
        {
            request.ClearKeys(); // its keys now live in the device, which wipes them when it stops
        }

        _outbound = StartPump(RunOutbound, "outbound");
        _inbound = StartPump(RunInbound, "inbound");
        _handshakeWorker = StartPump(RunHandshakes, "handshake");
        EngineLog.Started(_logger, Name, _socket.Port);
    }

    /// <summary>Stops the timer and the pumps, and closes the socket and the TUN device (closing is what wakes the pumps).</summary>
    public void Stop()
    {
        if (Interlocked.Exchange(ref _stopped, 1) != 0)
        {
            return; // a failing pump and the owner may both stop the engine
        }

        _stopping = true;
        _timer.Dispose();
        _socket?.Dispose();
        _tun.Dispose(); // wakes the outbound pump's blocked read
        _handshakes.Close();
        _outbound?.Join();
        _inbound?.Join();
        _handshakeWorker?.Join();
        _workers.Dispose();
        ClearKeys();
        CompleteWatchers();
        _completion.TrySetResult();
        EngineLog.Stopped(_logger, Name);
    }

    public void Dispose() => Stop();

    public long GetDropCount(DropReason reason)
    {
        if (reason == DropReason.HandshakeQueueFull)
        {
            return HandshakesRefused; // refused before the device saw them
        }

        lock (_gate)
        {
            return _device.GetDropCount(reason);
        }
    }

    private Thread StartPump(ThreadStart body, string name)
    {
        var thread = new Thread(() =>
        {
            try
            {
                body();
            }
            catch (Exception error) when (!_stopping)
            {
                Fail(error, name);
            }
            catch (Exception) when (_stopping)
            {
                // Stopping closes the socket and the device under the threads: a send or read that meets them
                // closed is the stop itself, and must not take the process down with an unhandled exception.
            }
        })
        {
            IsBackground = true,
            Name = $"{_tun.Name} {name}",
        };
        thread.Start();
        return thread;
    }

    private void Fail(Exception error, string pump)
    {
        if (_stopping)
        {
            return;
        }

        EngineLog.PumpFailed(_logger, error, pump, Name);
        _completion.TrySetException(error);
        ThreadPool.UnsafeQueueUserWorkItem(static engine => engine.Stop(), this, preferLocal: false);
    }

    private void OnTimer()
    {
        if (_stopping)
        {
            return;
        }

        SendControlTransmits(fireTimers: true);
    }

    /// <summary>
    /// Fires the due timers when asked, then drains and sends what the core queued through the control batch
    /// the timer and configuration share, re-arming the timer for what sending armed (an initiation's retry).
    /// </summary>
    private void SendControlTransmits(bool fireTimers = false)
    {
        lock (_controlGate)
        {
            TransmitBatch batch;
            bool more;
            lock (_gate)
            {
                TimeSpan now = Now;
                if (fireTimers)
                {
                    _armedFor = TimeSpan.MaxValue;
                    _device.HandleTimeout(now);
                }

                batch = _controlTransmits; // replaced under this lock when the MTU outgrows its buffers
                more = DrainTransmits(batch, now);
                AfterDeviceCalls(now);
            }

            FlushAll(batch, more);
        }
    }

    /// <summary>
    /// Sends <paramref name="batch"/>, then, while the core still has transmits the batch had no room for, takes
    /// the lock for the next batchful and sends it outside the lock.
    /// </summary>
    private void FlushAll(TransmitBatch batch, bool more)
    {
        Flush(batch);
        while (more && !_stopping && _socket is not null)
        {
            lock (_gate)
            {
                TimeSpan now = Now;
                more = DrainTransmits(batch, now);
                AfterDeviceCalls(now); // what was dequeued may have armed timers (an initiation's retry)
            }

            Flush(batch);
        }
    }

    /// <summary>
    /// Sends a batch on the current socket and counts what left. Our initiations in it are written first: their
    /// Diffie-Hellman work here, outside the lock, then the lock for what only the device can check and add.
    /// </summary>
    private void Flush(TransmitBatch batch)
    {
        if (batch.HasInitiations)
        {
            if (_socket is null || _stopping)
            {
                batch.DiscardInitiations();
            }
            else
            {
                batch.RunInitiations();
                lock (_gate)
                {
                    TimeSpan now = Now;
                    batch.CompleteInitiations(_device, now);
                    AfterDeviceCalls(now);
                }
            }
        }

        if (batch.Count > 0 && _socket is { } socket)
        {
            var (datagrams, bytes) = batch.Flush(socket);
            EngineCounters.Add(ref Counters.PacketsSent, datagrams);
            EngineCounters.Add(ref Counters.BytesSent, bytes);
        }
    }

    /// <summary>
    /// Under the lock: moves the core's pending transmits into <paramref name="batch"/>'s spare buffers.
    /// Returns whether the batch filled up with transmits still queued in the core (rare: a handshake releasing
    /// more staged packets than a batch holds, a timer starting initiations to many peers); the caller sends
    /// the batch outside the lock and comes back (<see cref="FlushAll"/>), so the lock is never held across a
    /// send or a Diffie-Hellman.
    /// </summary>
    private bool DrainTransmits(TransmitBatch batch, TimeSpan now)
    {
        while (true)
        {
            if (!batch.CanDeferInitiation)
            {
                return _device.HasPendingTransmits;
            }

            // A keepalive or released packet comes with its seal still to run, our initiation with its
            // Diffie-Hellman work: the batch runs both when it is sent.
            if (!_device.TryDequeueTransmit(batch.PeekSpare().Span, now, out PacketResult transmit, out SealJob seal, out HandshakeJob initiation))
            {
                return false;
            }

            if (transmit.Action == PacketAction.WriteToNetwork)
            {
                batch.CommitSpare(transmit.Length, transmit.Endpoint, seal);
            }
            else if (transmit.Action == PacketAction.Handshake)
            {
                batch.DeferInitiation(initiation);
                initiation.Clear(); // the batch holds its own copy: wipe this one
            }

            seal.Clear(); // the batch holds its own copy of the key: wipe this one
        }
    }

    /// <summary>Logs and counts the core's events, and re-arms the timer when the deadline moved.</summary>
    private void AfterDeviceCalls(TimeSpan now)
    {
        while (_device.TryDequeueEvent(out DeviceEvent deviceEvent))
        {
            Publish(deviceEvent);
            switch (deviceEvent.Kind)
            {
                case DeviceEventKind.HandshakeCompleted:
                    Counters.Handshakes++;
                    EngineLog.HandshakeCompleted(_logger, deviceEvent.Peer);
                    break;
                case DeviceEventKind.HandshakeGaveUp:
                    EngineLog.HandshakeGaveUp(_logger, deviceEvent.Peer);
                    break;
                case DeviceEventKind.EndpointChanged:
                    EngineLog.EndpointChanged(_logger, deviceEvent.Peer, deviceEvent.Peer.Endpoint);
                    break;
                case DeviceEventKind.KeyMaterialZeroed:
                    EngineLog.KeyMaterialZeroed(_logger, deviceEvent.Peer);
                    break;
            }
        }

        Deadline deadline = _device.NextDeadline;
        if (deadline.Time == _armedFor || _stopping)
        {
            return;
        }

        _armedFor = deadline.Time;
        TimeSpan due = deadline.Time == TimeSpan.MaxValue ? Timeout.InfiniteTimeSpan
            : deadline.Time <= now ? TimeSpan.Zero
            : deadline.Time - now;
        _timer.Change(due, Timeout.InfiniteTimeSpan);
    }
}
