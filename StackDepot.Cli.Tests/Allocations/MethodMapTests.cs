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
        Assert.Equal(new Reporting.ReportFrame("Shop.Cart.Add(int32,class System.String)", "Shop"), map.Frame(100));
        Assert.Equal("[unknown 0x2000]", map.Frame(map.Resolve(0x2000)).Name);
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
