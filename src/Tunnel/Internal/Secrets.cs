using System.Runtime.CompilerServices;
using Tunnel.Core.Crypto;

namespace Tunnel.Internal;

/// <summary>Wipes keys held in nullable fields in place (reading <c>.Value</c> would wipe a copy).</summary>
internal static class Secrets
{
    public static void Clear(ref PrivateKey? key)
    {
        if (key.HasValue)
        {
            Unsafe.AsRef(in Nullable.GetValueRefOrDefaultRef(in key)).Clear();
        }
    }

    public static void Clear(ref PresharedKey? key)
    {
        if (key.HasValue)
        {
            Unsafe.AsRef(in Nullable.GetValueRefOrDefaultRef(in key)).Clear();
        }
    }
}
