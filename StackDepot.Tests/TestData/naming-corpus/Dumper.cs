// Prints, for every managed frame of every thread of a process, ClrMD's ClrMethod.Signature, ClrMethod.Name and the
// generic parameter names of ClrMethod.Type, tab-separated. Built and run by generate.sh; not part of the test build.
using Microsoft.Diagnostics.Runtime;

using DataTarget target = DataTarget.AttachToProcess(int.Parse(args[0], System.Globalization.CultureInfo.InvariantCulture), suspend: true);
using ClrRuntime runtime = target.ClrVersions[0].CreateRuntime();
foreach (ClrThread thread in runtime.Threads)
{
    foreach (ClrStackFrame frame in thread.EnumerateStackTrace())
    {
        if (frame.Method is { Signature: { } signature } method)
        {
            string parameters = method.Type is null ? "" : string.Join(",", method.Type.EnumerateGenericParameters().Select(p => p.Name));
            Console.WriteLine($"{signature}\t{method.Name}\t{parameters}");
        }
    }
}
