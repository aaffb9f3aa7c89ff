using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Microsoft.Diagnostics.Runtime;

namespace StackDepot.Cli.Sampling.Ptrace;

/// <summary>The x86-64 <c>user_regs_struct</c> ptrace returns, and its translation into the Windows-style
/// <see cref="AMD64Context"/> the runtime's debugging support (DAC) unwinds from.</summary>
internal static class X64Registers
{
    // Indexes of the 64-bit slots of user_regs_struct (arch/x86/include/asm/user_64.h).
    private const int R15 = 0, R14 = 1, R13 = 2, R12 = 3, Rbp = 4, Rbx = 5, R11 = 6, R10 = 7, R9 = 8, R8 = 9,
        Rax = 10, Rcx = 11, Rdx = 12, Rsi = 13, Rdi = 14, Rip = 16, Cs = 17, EFlags = 18, Rsp = 19, Ss = 20,
        Ds = 23, Es = 24, Fs = 25, Gs = 26;

    /// <summary>The stack pointer.</summary>
    public static ulong StackPointer(ReadOnlySpan<byte> registers) => Slot(registers, Rsp);

    /// <summary>The instruction pointer.</summary>
    public static ulong InstructionPointer(ReadOnlySpan<byte> registers) => Slot(registers, Rip);

    /// <summary>The registers an unwind can depend on: the instruction and stack pointers and the callee-saved
    /// registers (rbx, rbp, r12-r15). The others (rax, rcx, the syscall state...) differ between two stops of a thread
    /// blocked in one system call, and no unwind reads them.</summary>
    public static ulong[] UnwindState(ReadOnlySpan<byte> registers) =>
        [Slot(registers, Rip), Slot(registers, Rsp), Slot(registers, Rbp), Slot(registers, Rbx),
         Slot(registers, R12), Slot(registers, R13), Slot(registers, R14), Slot(registers, R15)];

    /// <summary>Fills <paramref name="context"/> (an <see cref="AMD64Context"/>) from the registers; false when it is too small.</summary>
    public static bool ToContext(ReadOnlySpan<byte> registers, Span<byte> context)
    {
        if (context.Length < AMD64Context.Size)
        {
            return false;
        }

        context[..AMD64Context.Size].Clear();
        ref AMD64Context c = ref MemoryMarshal.AsRef<AMD64Context>(context);
        c.ContextFlags = AMD64Context.ContextControl | AMD64Context.ContextInteger | AMD64Context.ContextSegments;
        c.R15 = Slot(registers, R15);
        c.R14 = Slot(registers, R14);
        c.R13 = Slot(registers, R13);
        c.R12 = Slot(registers, R12);
        c.Rbp = Slot(registers, Rbp);
        c.Rbx = Slot(registers, Rbx);
        c.R11 = Slot(registers, R11);
        c.R10 = Slot(registers, R10);
        c.R9 = Slot(registers, R9);
        c.R8 = Slot(registers, R8);
        c.Rax = Slot(registers, Rax);
        c.Rcx = Slot(registers, Rcx);
        c.Rdx = Slot(registers, Rdx);
        c.Rsi = Slot(registers, Rsi);
        c.Rdi = Slot(registers, Rdi);
        c.Rip = Slot(registers, Rip);
        c.Rsp = Slot(registers, Rsp);
        c.EFlags = (int)Slot(registers, EFlags);
        c.Cs = (ushort)Slot(registers, Cs);
        c.Ss = (ushort)Slot(registers, Ss);
        c.Ds = (ushort)Slot(registers, Ds);
        c.Es = (ushort)Slot(registers, Es);
        c.Fs = (ushort)Slot(registers, Fs);
        c.Gs = (ushort)Slot(registers, Gs);
        return true;
    }

    private static ulong Slot(ReadOnlySpan<byte> registers, int index) =>
        BinaryPrimitives.ReadUInt64LittleEndian(registers.Slice(index * 8, 8));
}
