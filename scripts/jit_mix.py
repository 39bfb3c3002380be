"""The instruction mix of the hottest loops in JIT code: the analysis half of
scripts/jit_profile.sh, which passes a folder holding `ips` (perf's sampled
instruction addresses, one per line, in hex) and `jit_<start>.bin` (code
dumped from the process, starting at address <start>), and optionally a file
to write the hottest loop's listing to.

A loop is a backward branch and its target. For a matmul the hottest is the
k loop: one iteration, written out, with everything inside it. For a stream
kernel the hottest are the per-lane store loops. The counts are static (one
pass through the loop), which for the k loop is one iteration's work.
"""
import collections
import glob
import re
import subprocess
import sys


def disassemble(folder):
    """address -> instruction text, for every code dump in `folder`."""
    code = {}
    for dump in glob.glob(f"{folder}/jit_*.bin"):
        base = dump.rsplit("_", 1)[1][: -len(".bin")]
        listing = subprocess.run(
            ["objdump", "-D", "-b", "binary", "-mi386:x86-64", f"--adjust-vma={base}", dump],
            capture_output=True, text=True, check=True).stdout
        for line in listing.splitlines():
            m = re.match(r"\s+([0-9a-f]+):\t[0-9a-f ]+\t(.*)", line)
            if m:
                code[int(m.group(1), 16)] = m.group(2).strip()
    return code


def loops_by_samples(code, samples):
    """Every loop as (samples inside it, its addresses), most sampled first."""
    addresses = sorted(code)
    loops = []
    for ip in addresses:
        m = re.match(r"j\w+\s+0x([0-9a-f]+)$", code[ip])
        if m and int(m.group(1), 16) < ip:
            body = [at for at in addresses if int(m.group(1), 16) <= at <= ip]
            loops.append((sum(samples[at] for at in body), body))
    return sorted(loops, key=lambda loop: -loop[0])


def access_width(op, args):
    """How wide the memory access of an instruction with a memory operand is."""
    if op.startswith(("vbroadcastss", "vbroadcastsd", "vpbroadcast")):
        return "scalar"
    if op.startswith(("vinsertf128", "vinserti128", "vbroadcastf128", "vbroadcasti128")):
        return "128-bit"
    return "256-bit" if "ymm" in args else "128-bit" if "xmm" in args else "scalar"


def print_mix(code, body):
    """Multiplies, adds, blends, and memory accesses by width, in `body`."""
    ops, loads, stores = collections.Counter(), collections.Counter(), collections.Counter()
    for ip in body:
        op, _, args = code[ip].partition(" ")
        ops[op] += 1
        if "(" not in args or op.startswith(("nop", "lea", "prefetch")):
            continue
        width = access_width(op, args)
        destination = re.split(r",(?![^(]*\))", args)[-1]  # AT&T order
        if "(" in destination and not op.startswith(("cmp", "bt", "test")):
            stores[width] += 1
        else:
            loads[width] += 1
    fused = sum(n for op, n in ops.items() if "fmadd" in op)
    print(f"    multiplies {ops['vmulps']}, adds {ops['vaddps']}, fused {fused}, "
          f"blends {ops['vblendvps']}")
    print(f"    loads {dict(loads)}, stores {dict(stores)}")
    if ops["vmulps"]:
        print(f"    256-bit loads per multiply {loads['256-bit'] / ops['vmulps']:.2f}, "
              f"256-bit stores per multiply {stores['256-bit'] / ops['vmulps']:.2f}")


def main(folder, listing_path):
    samples = collections.Counter(
        int(line, 16) for line in open(f"{folder}/ips") if line.strip())
    code = disassemble(folder)
    in_jit = sum(n for ip, n in samples.items() if ip in code)
    print(f"samples: {sum(samples.values())}, in JIT code: {in_jit}")
    if not in_jit:
        sys.exit("no sample fell in JIT code: change the delay so that the case is running")
    loops = loops_by_samples(code, samples)
    for weight, body in [loop for loop in loops[:3] if loop[0] >= in_jit / 100]:
        print(f"loop of {len(body)} instructions at {body[0]:x}: "
              f"{100 * weight / in_jit:.0f}% of the JIT samples")
        print_mix(code, body)
    if loops:
        # Kernels whose loop bodies are written out repeat the same inner
        # loop (a stream kernel's store loop, once per vec4 it writes).
        alike = [w for w, body in loops if len(body) == len(loops[0][1])]
        if len(alike) > 1:
            print(f"{len(alike)} loops of {len(loops[0][1])} instructions: "
                  f"{100 * sum(alike) / in_jit:.0f}% of the JIT samples together")
    if listing_path and loops:
        with open(listing_path, "w") as listing:
            listing.writelines(f"{samples[ip]:6d}  {ip:x}  {code[ip]}\n" for ip in loops[0][1])


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else "")
