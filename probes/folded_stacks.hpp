#pragma once

#include <cstddef>
#include <cstdint>
#include <iosfwd>
#include <map>
#include <string>
#include <vector>

// Stacks sampled by `perf record -g`, folded as Brendan Gregg's stackcollapse-perf.pl folds
// them ("comm;outer;...;leaf count", the input of flamegraph.pl), and the shares of time per
// function that a report compares between stages.
namespace loadgen::probes {

struct FoldedStacks {
  // "comm;outermost;...;leaf" -> samples. The first frame is the thread's command name.
  std::map<std::string, uint64_t> stacks;
  uint64_t samples = 0;  // all samples: the sum of the counts
};

// Folds the default output of `perf script` as it streams by (linear time, memory in the
// distinct stacks only). A sample is a header line, "comm pid[/tid] [cpu] time: period
// event:" (comm may hold spaces and digits; the pid is the number just before the time), then
// its frames, one per line, indented, leaf first: "addr symbol+0xoff (dso)". Samples end at a
// blank line (or at the next header, or at the end of the input).
//  - The stack is the comm (spaces made '_', as stackcollapse-perf.pl does) then the frames
//    outermost first. A sample without frames counts as its comm alone.
//  - "+0x..." offsets are stripped; ';' in a name becomes ':'.
//  - A "[unknown]" symbol becomes its dso's file name in brackets ("[libc.so.6]"), or stays
//    "[unknown]" when the dso is unknown too. Every frame is kept, the outermost "[unknown]"
//    frames of a broken frame-pointer chain as well (as stackcollapse-perf.pl keeps them).
//  - Kernel frames (dso "[kernel.kallsyms]", "[kernel.*]" or a vmlinux) get "_[k]".
//  - Inlined frames (dso "(inlined)", from `perf script --inline`) are frames like others.
//  - Lines starting with '#' (perf's header comments) and lines that are neither are skipped.
FoldedStacks fold_perf_script(std::istream& in);

// "stack count\n" per stack, sorted by stack: what flamegraph.pl reads.
std::string folded_text(const FoldedStacks& folded);

// Reads folded_text's format back ("stack count" per line, the count after the last space or
// tab). Lenient: blank lines and malformed lines (no count, a count that is not a whole
// number, an empty stack) are skipped, so that a hand-edited or truncated file still reads.
// A stack given twice is summed; samples is the sum of the counts read.
FoldedStacks parse_folded(std::istream& in);

struct FunctionShare {
  std::string function;
  uint64_t self = 0;       // samples in which it is the leaf
  uint64_t total = 0;      // samples whose stack holds it (once per stack, even when recursive)
  double self_share = 0;   // self / all samples
  double total_share = 0;  // total / all samples
};

// Every function (frame name) of the stacks, sorted by name. The comm frame is not a function;
// a sample with no frames counts in "all samples" but for no function. All samples are
// folded.samples (the sum of the counts when that is 0).
std::vector<FunctionShare> function_shares(const FoldedStacks& folded);
// The n highest by self (by total), ties broken by name; fewer when there are fewer.
std::vector<FunctionShare> top_by_self(const std::vector<FunctionShare>& shares, size_t n);
std::vector<FunctionShare> top_by_total(const std::vector<FunctionShare>& shares, size_t n);

struct ShareChange {
  std::string function;
  double before = 0;  // total share
  double after = 0;
  double change() const { return after - before; }
};

// The n functions whose total share changed most (by absolute change, ties by name); a
// function on one side only counts as 0 on the other.
std::vector<ShareChange> biggest_changes(const std::vector<FunctionShare>& before,
                                         const std::vector<FunctionShare>& after, size_t n);

}  // namespace loadgen::probes
