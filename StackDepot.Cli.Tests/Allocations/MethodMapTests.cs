using StackDepot.Cli.EventPipe;

namespace StackDepot.Cli.Tests.Allocations;

public sealed class MethodMapTests
{
    [Fact]
    public void Return_addresses_resolve_to_the_method_whose_code_holds_the_call()
    {
        var map = new MethodMap();
        map.AddModule(7, "/app/Shop.dll");
        map.AddMethod(100, 0x1000, 0x100, "Shop.Cart", "Add", "instance void  (int32,class System.String)", 7);
        map.AddMethod(200, 0x1100, 0x80, "Shop.Cart", "Remove", "instance bool  ()", 7);

        Assert.Equal(100UL, map.Resolve(0x1001));
        Assert.Equal(100UL, map.Resolve(0x1100)); // returns just past a call that ends Add: still Add
        Assert.Equal(200UL, map.Resolve(0x1101));
        Assert.Equal(0x2000UL | MethodMap.UnresolvedBit, map.Resolve(0x2000));
        Assert.Equal(new Reporting.ReportFrame("Shop.Cart.Add(int, string)", "Shop"), map.Frame(100));
        Assert.Equal("[unknown 0x2000]", map.Frame(map.Resolve(0x2000)).Name);
    }

    [Fact]
    public void A_range_known_before_its_name_is_named_by_the_rundown()
    {
        var map = new MethodMap();
        map.AddRange(100, 0x1000, 0x100, 7);
        Assert.Equal(100UL, map.Resolve(0x1010));
        Assert.Equal("[method 0x64]", map.Frame(100).Name);
        map.AddMethod(100, 0x1000, 0x100, "Shop.Cart", "Add", "instance void  (int32)", 7);
        Assert.Equal("Shop.Cart.Add(int)", map.Frame(100).Name);
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
        Assert.Equal(expected, MethodMap.FormatName(type, name, signature));
    }

    [Fact]
    public void A_signature_not_read_keeps_the_event_spelling()
    {
        // A generic parameter by position has no name to print: the event's own text stays.
        Assert.Equal("Shop.Box`1.Set(!0)", MethodMap.FormatName("Shop.Box`1", "Set", "instance void  (!0)"));
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
}
