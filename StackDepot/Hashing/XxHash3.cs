namespace StackDepot.Hashing;

/// <summary>TEMPORARY placeholder (FNV-1a-like mix) until the XXH3-64 port lands; same signature as
/// System.IO.Hashing.XxHash3.HashToUInt64.</summary>
internal static class XxHash3
{
    public static ulong HashToUInt64(ReadOnlySpan<byte> source, long seed = 0)
    {
        ulong h = 0xcbf29ce484222325UL ^ (ulong)seed;
        foreach (byte b in source) { h ^= b; h *= 0x100000001b3UL; }
        h ^= h >> 33; h *= 0xff51afd7ed558ccdUL; h ^= h >> 33;
        return h;
    }
}
