#!/usr/bin/env bash
# Prints the raw naming corpus (signature, method name, generic parameter names; tab-separated, sorted, unique) read
# with ClrMD from two live processes: the CLI test target in its "names" scenario (every shape of
# StackDepot.Tests/Naming/CorpusShapes.cs parked on its own thread) and an ASP.NET Core app under load. The expected
# readable names in ../clrmd-method-names.tsv are written by hand from this output. Needs ptrace rights (root),
# curl and python3.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
clrmd=$(grep -oP 'Microsoft.Diagnostics.Runtime" Version="\K[^"]+' "$root/Directory.Packages.props")

project() { # name, sdk, extra items
  mkdir -p "$work/$1"
  cat > "$work/$1/$1.csproj" <<XML
<Project Sdk="$2">
  <PropertyGroup>
    <OutputType>Exe</OutputType><TargetFramework>net10.0</TargetFramework><Nullable>enable</Nullable>
    <ImplicitUsings>enable</ImplicitUsings><AllowUnsafeBlocks>true</AllowUnsafeBlocks><Optimize>true</Optimize>
  </PropertyGroup>
  <ItemGroup>$3</ItemGroup>
</Project>
XML
}
dotnet build "$root/StackDepot.Cli.Tests.Target" -c Release -o "$work/bin/Target" >&2
project Web Microsoft.NET.Sdk.Web ""
cp "$here/Web.cs" "$work/Web/Program.cs"
project Dumper Microsoft.NET.Sdk "<PackageReference Include=\"Microsoft.Diagnostics.Runtime\" Version=\"$clrmd\" />"
cp "$here/Dumper.cs" "$work/Dumper/Program.cs"
for p in Web Dumper; do
  dotnet build "$work/$p" -c Release -o "$work/bin/$p" >&2
done

dump() { for _ in 1 2 3 4 5 6; do dotnet "$work/bin/Dumper/Dumper.dll" "$1"; sleep 0.5; done; }

coproc TARGET { dotnet "$work/bin/Target/StackDepot.Cli.Tests.Target.dll" names; }
read -r ready pid <&"${TARGET[0]}"
[ "$ready" = READY ] && dump "$pid" > "$work/names.tsv"
echo exit >&"${TARGET[1]}"

dotnet "$work/bin/Web/Web.dll" http://127.0.0.1:5077 >&2 &
web=$!
for _ in $(seq 60); do curl -s http://127.0.0.1:5077/ >/dev/null && break; sleep 0.5; done
python3 - <<'PY' &
import threading, time, urllib.request
end = time.time() + 8
def run(path):
    while time.time() < end:
        try: urllib.request.urlopen("http://127.0.0.1:5077" + path).read()
        except Exception: pass
threads = [threading.Thread(target=run, args=(path,)) for path in ["/slow"] * 8 + ["/spin"] * 8]
[t.start() for t in threads]; [t.join() for t in threads]
PY
sleep 2
dump "$web" >> "$work/names.tsv"
sort -u "$work/names.tsv"
