// The code shapes whose frame names the naming tests check. This file is compiled twice: into the test project, where
// Probe.Here() captures the stack in-process, and into TestData/naming-corpus/Workload, where Probe.Here() parks the
// thread so that an out-of-process tool can read the names (TestData/naming-corpus/generate.sh).
// Each shape calls Probe.Here() from the construct it is named after. Keep names and member order stable: the
// compiler's generated names (<Lambdas>b__4_1) depend on them, and the corpus was captured from this file.
using System.Collections;
using System.Runtime.CompilerServices;

namespace Corpus.Shapes;

public sealed class Outer<TOuter>
{
    public sealed class Inner<TInner>
    {
        [MethodImpl(MethodImplOptions.NoInlining)]
        public void Method<TMethod>(TOuter a, TInner b, TMethod c, List<TMethod> list, ref int r, out string o, in Guid g,
            int[] array, int[,] grid, int? maybe, (int, string) tuple)
        {
            o = "";
            Probe.Here();
        }
    }
}

public class Shapes
{
    private readonly int _field = 1;

    public Shapes()
    {
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    public Shapes(string name)
    {
        if (name.Length > 0)
        {
            Probe.Here();
        }
    }

    public int Property
    {
        [MethodImpl(MethodImplOptions.NoInlining)]
        get
        {
            Probe.Here();
            return _field;
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    public async Task<int> PlainAsync(int x)
    {
        Probe.Here(); // before the first await: still on the caller's thread, under the builder's Start
        await Task.Yield();
        return x;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    public async Task ResumedAsync()
    {
        await Task.Yield();
        Probe.Here(); // resumed by the thread pool
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    public async ValueTask<T> GenericAsync<T>(T value)
    {
        await Task.Yield();
        Probe.Here();
        return value;
    }

    public void ClosureLambda()
    {
        int captured = _field;
        Action lambda = () =>
        {
            if (captured > 0)
            {
                Probe.Here();
            }
        };
        lambda();
    }

    public void StaticLambda()
    {
        Action<object?> lambda = static _ => Probe.Here();
        lambda(null);
    }

    public int InstanceLambda()
    {
        Func<int, int> lambda = y =>
        {
            Probe.Here();
            return y + _field;
        };
        return lambda(1);
    }

    public void LocalFunction()
    {
        int captured = 2;
        Local(3);

        [MethodImpl(MethodImplOptions.NoInlining)]
        void Local(int z)
        {
            if (z + captured > 0)
            {
                Probe.Here();
            }
        }
    }

    public void StaticLocalFunction()
    {
        StaticLocal("s");

        [MethodImpl(MethodImplOptions.NoInlining)]
        static void StaticLocal(string s)
        {
            if (s.Length > 0)
            {
                Probe.Here();
            }
        }
    }

    public void LambdaInLocalFunction()
    {
        int captured = 2;
        LocalWithLambda();

        [MethodImpl(MethodImplOptions.NoInlining)]
        void LocalWithLambda()
        {
            Action lambda = () =>
            {
                if (captured > 0)
                {
                    Probe.Here();
                }
            };
            lambda();
        }
    }

    public void GenericLambda<T>(T value)
    {
        Action lambda = () =>
        {
            if (value is not null)
            {
                Probe.Here();
            }
        };
        lambda();
    }

    public IEnumerable<int> Iterator(int n)
    {
        for (int i = 0; i < n; i++)
        {
            Probe.Here();
            yield return i;
        }
    }

    public async IAsyncEnumerable<int> AsyncIterator(int n)
    {
        await Task.Yield();
        for (int i = 0; i < n; i++)
        {
            Probe.Here();
            yield return i;
        }
    }

    public async Task AsyncLambdaHost()
    {
        Func<Task> lambda = async () =>
        {
            await Task.Yield();
            Probe.Here();
        };
        await lambda();
    }

    public async Task AsyncLocalHost()
    {
        await LocalAsync(5);

        async Task LocalAsync(int v)
        {
            await Task.Yield();
            if (v > 0)
            {
                Probe.Here();
            }
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    public unsafe void Pointers(byte* p, ref Span<byte> span)
    {
        if (p != null && span.Length == 0)
        {
            Probe.Here();
        }
    }
}

public struct ValueShape : IEnumerable<int>
{
    public readonly IEnumerator<int> GetEnumerator()
    {
        Probe.Here();
        yield break;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    readonly IEnumerator IEnumerable.GetEnumerator()
    {
        Probe.Here();
        return new List<int>().GetEnumerator();
    }
}

public class GenericHost<T>
{
    public async Task<T> RunAsync(T value)
    {
        await Task.Yield();
        Probe.Here();
        return value;
    }

    public void Lambda(T value)
    {
        Action lambda = () =>
        {
            if (value is not null)
            {
                Probe.Here();
            }
        };
        lambda();
    }
}
