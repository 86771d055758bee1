using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Tunnel.Core.Crypto.Internal;

namespace Tunnel.Core.Tests.Crypto;

/// <summary>The vector compression against the scalar one, the simple oracle, on random states and blocks.</summary>
public sealed class Blake2sCompressionTests
{
    [Property(MaxTest = 1000)]
    public Property VectorAndScalarCompression_Agree()
    {
        var words = ArbMap.Default.GeneratorFor<uint>();
        var gen =
            from state in Gen.ArrayOf(words, 8)
            from block in Gen.ArrayOf(ArbMap.Default.GeneratorFor<byte>(), 64)
            from counter in ArbMap.Default.GeneratorFor<ulong>()
            from last in ArbMap.Default.GeneratorFor<bool>()
            select (state, block, counter, last);
        return Prop.ForAll(gen.ToArbitrary(), c =>
        {
            UInt32x8 scalar = default, vector = default;
            c.state.CopyTo(scalar);
            c.state.CopyTo(vector);
            Blake2sCompression.CompressScalar(ref scalar, c.block, c.counter, c.last);
            Blake2sCompression.CompressVector128(ref vector, c.block, c.counter, c.last);
            return ((ReadOnlySpan<uint>)scalar).SequenceEqual(vector);
        });
    }

}
