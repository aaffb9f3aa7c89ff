using StackDepot.Cli.Sampling.Ptrace;

namespace StackDepot.Cli.Sampling;

/// <summary>
/// A thread's last walk and what it depended on: the registers an unwind reads and every byte the walk read from the
/// copy. A later copy with the same registers and the same bytes at those addresses unwinds the same (code and unwind
/// data do not change under a thread that is still in them), so its walk is reused: a parked thread costs a compare,
/// not a walk.
/// </summary>
/// <param name="UnwindState">The registers an unwind reads (<see cref="X64Registers.UnwindState"/>).</param>
/// <param name="Read">The bytes the walk read from the copy.</param>
/// <param name="Stack">What the walk found.</param>
internal sealed record UnwoundThread(ulong[] UnwindState, List<CopiedRange> Read, ThreadStack Stack)
{
    /// <summary>True when <paramref name="thread"/> of <paramref name="copy"/> would unwind the same.</summary>
    public bool Matches(ThreadCopy thread, ProcessCopy copy)
    {
        if (!X64Registers.UnwindState(thread.Registers).AsSpan().SequenceEqual(UnwindState))
        {
            return false;
        }

        foreach (CopiedRange range in Read)
        {
            if (!copy.TryFind(range.Address, out CopiedRange now, out _) || now.End < range.End ||
                !now.Bytes.Span.Slice((int)(range.Address - now.Address), range.Bytes.Length).SequenceEqual(range.Bytes.Span))
            {
                return false;
            }
        }

        return true;
    }
}
