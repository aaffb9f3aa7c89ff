using System.Diagnostics;
using System.Reflection;
using System.Reflection.Emit;
using System.Runtime.CompilerServices;
using StackDepot.Capture;

namespace StackDepot.Tests.Capture;

public class StackCaptureTests
{
    [Fact]
    public void Capture_then_symbolize_names_the_calling_method()
    {
        ulong[] frames = CaptureHere(out _);

        Assert.NotEmpty(frames);
        SymbolizedFrame top = Symbolizer.Shared.Symbolize(frames[0]);
        Assert.Equal(FrameKind.Managed, top.Kind);
        Assert.False(top.IsPlaceholder);
        Assert.Equal("StackDepot.Tests.Capture.StackCaptureTests.CaptureHere(out int)", top.Method);
        Assert.Equal("StackDepot.Tests", top.Module);
        Assert.StartsWith(top.Method + " + ", top.DisplayName, StringComparison.Ordinal);

        SymbolizedFrame caller = Symbolizer.Shared.Symbolize(frames[1]);
        Assert.Equal("StackDepot.Tests.Capture.StackCaptureTests.Capture_then_symbolize_names_the_calling_method()", caller.Method);
    }

    [Fact]
    public void Source_info_gives_the_file_and_line_of_the_capture()
    {
        ulong[] frames = CaptureHere(out int line);

        SymbolizedFrame top = Symbolizer.Shared.Symbolize(frames[0], includeSourceInfo: true);
        Assert.NotNull(top.File);
        Assert.Equal("StackCaptureTests.cs", Path.GetFileName(top.File));
        Assert.Equal(line, top.Line);
        Assert.EndsWith($"StackCaptureTests.cs:{line}", top.ToString(), StringComparison.Ordinal);

        // Without the flag, no PDB work and no file.
        Assert.Null(Symbolizer.Shared.Symbolize(frames[0]).File);
    }

    [Fact]
    public void The_same_call_site_gives_the_same_ids_and_another_site_differs()
    {
        var captures = new List<ulong[]>();
        for (int i = 0; i < 3; i++)
        {
            captures.Add(CaptureHere(out _));
        }

        ulong[] otherSite = CaptureHere(out _);

        Assert.Equal(captures[0], captures[1]);
        Assert.Equal(captures[0], captures[2]);
        Assert.Equal(captures[0][0], otherSite[0]); // same line inside CaptureHere
        Assert.NotEqual(captures[0][1], otherSite[1]); // called from two different places in this test
        Assert.Equal(Symbolizer.Shared.Symbolize(captures[0][1]).Method, Symbolizer.Shared.Symbolize(otherSite[1]).Method);
    }

    [Fact]
    public void Skip_frames_starts_at_the_callers_caller()
    {
        ulong[] full = CaptureWithSkip(0);
        ulong[] skipped = CaptureWithSkip(1);

        Assert.Equal("StackDepot.Tests.Capture.StackCaptureTests.CaptureWithSkip(int)", Symbolizer.Shared.Symbolize(full[0]).Method);
        Assert.Equal("StackDepot.Tests.Capture.StackCaptureTests.Skip_frames_starts_at_the_callers_caller()", Symbolizer.Shared.Symbolize(skipped[0]).Method);
        Assert.Equal(full.Length - 1, skipped.Length);
        Assert.Throws<ArgumentOutOfRangeException>(() => StackCapture.Capture(-1));
    }

    [Fact]
    public void A_short_destination_keeps_the_innermost_frames()
    {
        var big = new ulong[128];
        var small = new ulong[2];
        int bigCount = 0, smallCount = 0;
        for (int i = 0; i < 2; i++)
        {
            // One call site for both, so the frames above CaptureInto have the same ids.
            int n = CaptureInto(i == 0 ? big : small);
            if (i == 0)
            {
                bigCount = n;
            }
            else
            {
                smallCount = n;
            }
        }

        Assert.True(bigCount > 2);
        Assert.Equal(2, smallCount);
        Assert.Equal(big.AsSpan(0, 2).ToArray(), small);
        Assert.Equal(0, StackCapture.Capture(Span<ulong>.Empty));
    }

    [Fact]
    public void Methods_of_generic_types_resolve_with_their_declaring_type()
    {
        ulong[] fromInt = new GenericHolder<int>().Echo("x");
        ulong[] fromString = new GenericHolder<string>().Echo(42);

        string name = Symbolizer.Shared.Symbolize(fromInt[0]).Method;
        Assert.Equal("StackDepot.Tests.Capture.StackCaptureTests.GenericHolder<T>.Echo<U>(U)", name);
        Assert.Equal(name, Symbolizer.Shared.Symbolize(fromString[0]).Method);
    }

    [Fact]
    public async Task Async_state_machines_are_named_after_the_written_method()
    {
        ulong[] frames = await CaptureAfterYieldAsync();

        Assert.Equal("StackDepot.Tests.Capture.StackCaptureTests.CaptureAfterYieldAsync()", Symbolizer.Shared.Symbolize(frames[0]).Method);

        using var raw = new Symbolizer(new SymbolizerOptions { ReadableNames = false });
        string rawName = raw.Symbolize(frames[0]).Method;
        Assert.StartsWith("StackDepot.Tests.Capture.StackCaptureTests.<CaptureAfterYieldAsync>d__", rawName, StringComparison.Ordinal);
        Assert.EndsWith(".MoveNext()", rawName, StringComparison.Ordinal);
    }

    [Fact]
    public void Unknown_ids_get_a_placeholder_never_an_exception()
    {
        foreach (ulong id in new[] { 0UL, (ulong)StackCapture.FrameIdCount + 1000, ulong.MaxValue })
        {
            SymbolizedFrame frame = Symbolizer.Shared.Symbolize(id, includeSourceInfo: true);
            Assert.Equal(FrameKind.Unknown, frame.Kind);
            Assert.True(frame.IsPlaceholder);
            Assert.StartsWith("<unknown frame 0x", frame.Method, StringComparison.Ordinal);
            Assert.False(StackCapture.TryGetFrameInfo(id, out _));
        }
    }

    [Fact]
    public void Frame_info_reports_the_method_handle_and_offsets()
    {
        ulong[] frames = CaptureHere(out _);

        Assert.True(StackCapture.TryGetFrameInfo(frames[0], out FrameInfo info));
        Assert.Equal(FrameKind.Managed, info.Kind);
        MethodInfo expected = typeof(StackCaptureTests).GetMethod(nameof(CaptureHere), BindingFlags.NonPublic | BindingFlags.Static)!;
        Assert.Equal(expected.MethodHandle.Value, info.MethodHandle);
        Assert.Equal(typeof(StackCaptureTests).TypeHandle.Value, info.DeclaringTypeHandle);
        Assert.True(info.ILOffset >= 0 || info.NativeOffset >= 0);
    }

    [Fact]
    public void An_exception_stack_trace_converts_to_the_same_kind_of_ids()
    {
        StackTrace trace;
        try
        {
            Thrower();
            throw new UnreachableException();
        }
        catch (InvalidOperationException e)
        {
            trace = new StackTrace(e, fNeedFileInfo: false);
        }

        var frames = new ulong[16];
        int n = StackCapture.FromStackTrace(trace, frames);

        Assert.True(n >= 2);
        Assert.Equal("StackDepot.Tests.Capture.StackCaptureTests.Thrower()", Symbolizer.Shared.Symbolize(frames[0]).Method);
        Assert.Equal("StackDepot.Tests.Capture.StackCaptureTests.An_exception_stack_trace_converts_to_the_same_kind_of_ids()", Symbolizer.Shared.Symbolize(frames[1]).Method);
    }

    [Fact]
    public void Many_threads_capturing_one_site_agree_on_its_ids()
    {
        const int threads = 8;
        var results = new ulong[threads][];
        using var start = new Barrier(threads);
        Thread[] workers = Enumerable.Range(0, threads).Select(i => new Thread(() =>
        {
            start.SignalAndWait();
            results[i] = CaptureHere(out _);
        })).ToArray();
        foreach (Thread t in workers)
        {
            t.Start();
        }

        foreach (Thread t in workers)
        {
            t.Join();
        }

        // Every thread runs the same innermost frames (the lambda, then thread start-up).
        foreach (ulong[] r in results)
        {
            Assert.Equal(results[0], r);
        }
    }

    [Fact]
    public void Collectible_methods_keep_their_names_after_unloading()
    {
        var keepLoaded = new StrongBox<object?>();
        (ulong frameId, WeakReference assembly) = CaptureInCollectibleAssembly(keepLoaded);

        SymbolizedFrame live = Symbolizer.Shared.Symbolize(frameId);
        Assert.Equal(FrameKind.Collectible, live.Kind);
        Assert.Equal("Plugin.Entry.Run()", live.Method);
        Assert.Equal("StackDepot.Tests.CollectiblePlugin", live.Module);
        keepLoaded.Value = null; // from here on nothing references the plugin

        // Unloading a collectible assembly takes several collections (its loader allocator is freed in stages, and the
        // builder object, the runtime assembly and the type die at different times): collect until both are gone.
        for (int i = 0; i < 100 && (assembly.IsAlive || KindOf(frameId) != FrameKind.Unloaded); i++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
        }

        Assert.False(assembly.IsAlive, "the collectible assembly should unload once nothing references it");
        SymbolizedFrame unloaded = Symbolizer.Shared.Symbolize(frameId, includeSourceInfo: true);
        Assert.Equal(FrameKind.Unloaded, unloaded.Kind);
        Assert.Equal("Plugin.Entry.Run()", unloaded.Method);
        Assert.EndsWith("[unloaded]", unloaded.DisplayName, StringComparison.Ordinal);
        Assert.True(StackCapture.TryGetFrameInfo(frameId, out FrameInfo info));
        Assert.Equal(FrameKind.Unloaded, info.Kind);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static (ulong FrameId, WeakReference Assembly) CaptureInCollectibleAssembly(StrongBox<object?> keepLoaded)
    {
        var builder = AssemblyBuilder.DefineDynamicAssembly(new AssemblyName("StackDepot.Tests.CollectiblePlugin"), AssemblyBuilderAccess.RunAndCollect);
        TypeBuilder type = builder.DefineDynamicModule("Plugin").DefineType("Plugin.Entry", TypeAttributes.Public | TypeAttributes.Class);
        MethodBuilder run = type.DefineMethod("Run", MethodAttributes.Public | MethodAttributes.Static, typeof(ulong[]), Type.EmptyTypes);
        ILGenerator il = run.GetILGenerator();
        il.Emit(OpCodes.Ldc_I4_0);
        il.Emit(OpCodes.Ldc_I4_S, (sbyte)8);
        il.Emit(OpCodes.Call, typeof(StackCapture).GetMethod(nameof(StackCapture.Capture), [typeof(int), typeof(int)])!);
        // Not a tail call: optimized code would otherwise replace Run's frame with Capture's.
        il.Emit(OpCodes.Dup);
        il.Emit(OpCodes.Call, typeof(GC).GetMethod(nameof(GC.KeepAlive))!);
        il.Emit(OpCodes.Ret);
        Type created = type.CreateType();
        var invoke = created.GetMethod("Run")!.CreateDelegate<Func<ulong[]>>();

        ulong[] first = invoke();
        ulong[] second = invoke();
        Assert.Equal(first[0], second[0]); // a validated hit on a collectible entry keeps its id
        keepLoaded.Value = created;
        return (first[0], new WeakReference(builder));
    }

    private static int Line([CallerLineNumber] int line = 0) => line;

    private static FrameKind KindOf(ulong frameId) => StackCapture.TryGetFrameInfo(frameId, out FrameInfo info) ? info.Kind : FrameKind.Unknown;

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static ulong[] CaptureHere(out int line)
    {
        ulong[] frames = StackCapture.Capture(); line = Line();
        return frames;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static ulong[] CaptureWithSkip(int skip) => StackCapture.Capture(skip, maxFrames: 1024);

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static int CaptureInto(ulong[] destination) => StackCapture.Capture(destination);

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Thrower() => throw new InvalidOperationException("for the trace");

    private static async Task<ulong[]> CaptureAfterYieldAsync()
    {
        await Task.Yield();
        return StackCapture.Capture();
    }

    private sealed class GenericHolder<T>
    {
        [MethodImpl(MethodImplOptions.NoInlining)]
        public ulong[] Echo<U>(U value)
        {
            GC.KeepAlive(value);
            return StackCapture.Capture();
        }
    }
}
