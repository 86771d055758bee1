using System.Runtime.InteropServices;
using Tunnel.Cli;

using var interrupted = new CancellationTokenSource();

// The first Ctrl+C or SIGTERM asks the command to stop (watch then exits 0); a second one is left to kill the process.
void Interrupt(PosixSignalContext context)
{
    context.Cancel = !interrupted.IsCancellationRequested;
    interrupted.Cancel();
}

using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Interrupt);
using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Interrupt);
return await TunnelCtl.InvokeAsync(args, Console.Out, Console.Error, interrupted.Token);
