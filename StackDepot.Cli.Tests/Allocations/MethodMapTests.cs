using System.Reflection;
using System.Runtime.CompilerServices;
using StackDepot.Cli.EventPipe;
using StackDepot.Cli.Sampling;

namespace StackDepot.Cli.Tests.Allocations;

public sealed class MethodMapTests
{
    [Fact]
    public void Return_addresses_resolve_to_the_method_whose_code_holds_the_call()
    {
        var map = new MethodMap();
        using var namer = new ClrFrameNamer(rawNames: false, fileSystemRoot: null);
        map.AddModule(7, "/app/Shop.dll");
        map.AddMethod(100, 0x1000, 0x100, "Shop.Cart", "Add", "instance void  (int32,class System.String)", 7);
        map.AddMethod(200, 0x1100, 0x80, "Shop.Cart", "Remove", "instance bool  ()", 7);

        Assert.Equal(100UL, map.Resolve(0x1001));
        Assert.Equal(100UL, map.Resolve(0x1100)); // returns just past a call that ends Add: still Add
        Assert.Equal(200UL, map.Resolve(0x1101));
        Assert.Equal(0x2000UL | MethodMap.UnresolvedBit, map.Resolve(0x2000));
        Assert.Equal(new Reporting.ReportFrame("Shop.Cart.Add(int, string)", "Shop"), map.Frame(100, namer));
        Assert.Equal("[unknown 0x2000]", map.Frame(map.Resolve(0x2000), namer).Name);
    }

    [Fact]
    public void A_range_known_before_its_name_is_named_by_the_rundown()
    {
        var map = new MethodMap();
        using var namer = new ClrFrameNamer(rawNames: false, fileSystemRoot: null);
        map.AddModule(7, "/app/Shop.dll");
        map.AddRange(100, 0x1000, 0x100, 7);
        Assert.Equal(100UL, map.Resolve(0x1010));
        Assert.Equal(new Reporting.ReportFrame("[method 0x64]", "Shop"), map.Frame(100, namer));
        Assert.Null(map.Method(100, namer));
        map.AddMethod(100, 0x1000, 0x100, "Shop.Cart", "Add", "instance void  (int32)", 7);
        Assert.Equal("Shop.Cart.Add(int)", map.Frame(100, namer).Name);
        Assert.Equal(1, map.Ranges);
    }

    [Theory]
    [InlineData("System.Threading.Monitor", "Wait", "bool  (class System.Object,int32)", "System.Threading.Monitor.Wait(object, int)")]
    [InlineData("System.ConsolePal", "Read", "int32  (class Microsoft.Win32.SafeHandles.SafeFileHandle,value class System.Span`1<unsigned int8>)", "System.ConsolePal.Read(SafeFileHandle, Span<byte>)")]
    [InlineData("Interop+Sys", "Read", "int32  (class System.Runtime.InteropServices.SafeHandle,unsigned int8*,int32)", "Interop.Sys.Read(SafeHandle, byte*, int)")]
    [InlineData("System.IO.ConsoleStream", "Read", "instance int32  (unsigned int8[],int32,int32)", "System.IO.ConsoleStream.Read(byte[], int, int)")]
    [InlineData("Shop.Cart", "TryGet", "instance bool  (int64,class System.String&)", "Shop.Cart.TryGet(long, ref string)")]
    [InlineData("Shop.Program", "Main", "void  (class System.String[])", "Shop.Program.Main(string[])")]
    [InlineData("Shop.Cart", "Sum", "instance float64  (valuetype System.Collections.Generic.KeyValuePair`2<int32,class System.String>)", "Shop.Cart.Sum(KeyValuePair<int, string>)")]
    public void Method_events_read_as_the_other_reports_name_methods(string type, string name, string signature, string expected)
    {
        var map = new MethodMap();
        map.AddMethod(1, 0x1000, 0x10, type, name, signature, 0);
        using var namer = new ClrFrameNamer(rawNames: false, fileSystemRoot: null);
        Assert.Equal(expected, map.Frame(1, namer).Name);
    }

    [Fact]
    public void Every_code_version_of_a_method_resolves_to_the_method()
    {
        var map = new MethodMap();
        map.AddMethod(100, 0x1000, 0x40, "T", "M", "void  ()", 1);  // tier 0
        map.AddMethod(100, 0x5000, 0x20, "T", "M", "void  ()", 1);  // tier 1
        map.AddMethod(100, 0x5000, 0x20, "T", "M", "void  ()", 1);  // the rundown repeats it
        Assert.Equal(100UL, map.Resolve(0x1010));
        Assert.Equal(100UL, map.Resolve(0x5010));
        Assert.Equal(1, map.Methods);
        Assert.Equal(2, map.Ranges);
    }

    [Theory]
    [InlineData("System.String", "Ctor", "instance void  (wchar,int32)", "System.String.Ctor(Char, Int32)")]
    [InlineData("System.Threading.ExecutionContext", "RunFromThreadPoolDispatchLoop",
        "void  (class System.Threading.Thread,class System.Threading.ExecutionContext,class System.Threading.ContextCallback,class System.Object)",
        "System.Threading.ExecutionContext.RunFromThreadPoolDispatchLoop(System.Threading.Thread, System.Threading.ExecutionContext, System.Threading.ContextCallback, System.Object)")]
    [InlineData("System.Net.Sockets.SocketAsyncEventArgs", "AcceptCompletionCallback",
        "instance void  (int,value class System.Memory`1<unsigned int8>,value class System.Net.Sockets.SocketError)",
        "System.Net.Sockets.SocketAsyncEventArgs.AcceptCompletionCallback")] // "int" is an IntPtr here: the metadata says
    [InlineData("System.Net.Sockets.SocketAsyncEventArgs", "Read", "instance void  (value class System.Memory`1<unsigned int8>,value class System.Net.Sockets.SocketError)",
        "System.Net.Sockets.SocketAsyncEventArgs.Read(System.Memory`1<Byte>, System.Net.Sockets.SocketError)")]
    [InlineData("System.Buffers.SharedArrayPool`1[System.Byte]", "Rent", "instance unsigned int8[]  (int32)", "System.Buffers.SharedArrayPool`1[System.Byte].Rent(Int32)")]
    [InlineData("Shop.Cart", "Fill", "void  (int32[],int64&,native int,float64[,])", "Shop.Cart.Fill(Int32[], Int64 ByRef, IntPtr, Double[,])")]
    [InlineData("System.Runtime.CompilerServices.AsyncMethodBuilderCore", "Start", "void  (!!0&)", "System.Runtime.CompilerServices.AsyncMethodBuilderCore.Start")]
    [InlineData("dynamicClass", "lambda_method10", "class System.Object  (pMT: 0x7fb80ee93ac8,class System.Object,pMT: 0x7fb80bf90a00)", "DynamicClass.lambda_method10(?, System.Object, ?)")]
    [InlineData("Program", "<Main>$", "void  ()", "Program.<Main>$()")]
    public void Event_signatures_are_rewritten_in_the_runtime_form_or_left_to_the_metadata(string type, string name, string signature, string expected) =>
        Assert.Equal(expected, EventSignatures.ToRuntimeSignature(type, name, signature));

    [Fact]
    public void Frames_are_named_as_in_every_report_and_the_plumbing_is_known()
    {
        // What the runtime's events say of an async method's state machine, a framework method and the plumbing.
        MethodInfo moveNext = StateMachineMoveNext(nameof(SampleAsync));
        string path = typeof(MethodMapTests).Assembly.Location;
        var map = new MethodMap();
        map.AddModule(1, path);
        map.AddModule(2, "/usr/share/dotnet/shared/Microsoft.NETCore.App/10.0.0/System.Private.CoreLib.dll");
        map.AddModule(3, "Anonymously Hosted DynamicMethods Assembly");
        map.AddMethod(10, 0x1000, 0x100, moveNext.DeclaringType!.FullName!, "MoveNext", "instance void  ()", 1, moveNext.MetadataToken);
        map.AddMethod(20, 0x2000, 0x100, "System.Threading.ExecutionContext", "RunFromThreadPoolDispatchLoop",
            "void  (class System.Threading.Thread,class System.Threading.ExecutionContext,class System.Threading.ContextCallback,class System.Object)", 2);
        map.AddMethod(30, 0x3000, 0x100, "System.Runtime.CompilerServices.AsyncTaskMethodBuilder`1+AsyncStateMachineBox`1[System.Threading.Tasks.VoidTaskResult,Shop.Cart+<AddAsync>d__1]",
            "ExecuteFromThreadPool", "instance void  (class System.Threading.Thread)", 2);
        map.AddMethod(40, 0x4000, 0x100, "dynamicClass", "lambda_method10", "class System.Object  (pMT: 0x7fb80ee93ac8,class System.Object)", 3);

        using var readable = new ClrFrameNamer(rawNames: false, fileSystemRoot: null);
        Assert.Equal(new Reporting.ReportFrame("StackDepot.Cli.Tests.Allocations.MethodMapTests.SampleAsync(int, string)", "StackDepot.Cli.Tests"),
            map.Frame(10, readable) with { MethodLine = 0 });
        Assert.True(map.Method(10, readable)!.IsStateMachine);
        Assert.Equal("System.Threading.ExecutionContext.RunFromThreadPoolDispatchLoop(Thread, ExecutionContext, ContextCallback, object)", map.Frame(20, readable).Name);
        Assert.True(map.Method(20, readable)!.IsPlumbing);
        Assert.True(map.Method(30, readable)!.IsPlumbing);
        Assert.Equal(new Reporting.ReportFrame("DynamicClass.lambda_method10(?, object)", "dynamic"), map.Frame(40, readable));

        using var raw = new ClrFrameNamer(rawNames: true, fileSystemRoot: null);
        Assert.Equal(moveNext.DeclaringType!.FullName + ".MoveNext()", map.Frame(10, raw).Name);
    }

    private static MethodInfo StateMachineMoveNext(string method)
    {
        Type machine = typeof(MethodMapTests).GetMethod(method, BindingFlags.NonPublic | BindingFlags.Static)!.GetCustomAttribute<AsyncStateMachineAttribute>()!.StateMachineType;
        return machine.GetMethod("MoveNext", BindingFlags.NonPublic | BindingFlags.Public | BindingFlags.Instance)!;
    }

    private static async Task<int> SampleAsync(int count, string text)
    {
        await Task.Yield();
        return count + text.Length;
    }
}
