// Folding `perf script` output as stackcollapse-perf.pl does, the folded format's round trip,
// and the per-function shares a profile report is made of.
#include "probes/folded_stacks.hpp"

#include <sstream>

#include <gtest/gtest.h>

namespace loadgen::probes {
namespace {

FoldedStacks folded_test_fold(const std::string& text) {
  std::istringstream in(text);
  return fold_perf_script(in);
}

// What perf script printed for a -g recording here (perf 6.1), trimmed.
const char* const kFoldedSampleScript =
    "dd 18995 34857.793848:    1001001 cpu-clock:ppp: \n"
    "\tffffffff816d91f4 rw_verify_area+0x54 ([kernel.kallsyms])\n"
    "\tffffffff816dbb6d vfs_read+0x7d ([kernel.kallsyms])\n"
    "\tffffffff8223c951 do_syscall_64+0x71 ([kernel.kallsyms])\n"
    "\t           f82ad read+0xd (/usr/lib/x86_64-linux-gnu/libc.so.6)\n"
    "\n"
    "sh 17252 34158.962159:    5025125 cpu-clock:ppp: \n"
    "\t          166cde __strchr_evex+0x1e (/usr/lib/x86_64-linux-gnu/libc.so.6)\n"
    "\t               0 [unknown] ([unknown])\n"
    "\n"
    "sh 17252 34158.967178:    5025125 cpu-clock:ppp: \n"
    "\t            73a0 [unknown] (/usr/bin/dash)\n"
    "\n";

TEST(FoldPerfScript, FoldsKernelUnknownAndOffsetFramesOutermostFirst) {
  const auto folded = folded_test_fold(kFoldedSampleScript);
  EXPECT_EQ(folded.samples, 3u);
  const std::map<std::string, uint64_t> expected = {
      {"dd;read;do_syscall_64_[k];vfs_read_[k];rw_verify_area_[k]", 1},
      {"sh;[unknown];__strchr_evex", 1},
      {"sh;[dash]", 1},
  };
  EXPECT_EQ(folded.stacks, expected);
}

TEST(FoldPerfScript, ReadsCommsWithSpacesAndDigitsAndEveryPidForm) {
  const auto folded = folded_test_fold(
      "V8 WorkerThread 24636/25607 [000] 94564.109216: cycles:\n"
      "\t  4a1b run+0x10 (/opt/app)\n"
      "\n"
      "worker 2 12688 6544038.708352: cpu-clock:\n"
      "\t  4a1b run+0x10 (/opt/app)\n"
      "\n"
      "java 12688/12764 6544038.708352: cpu-clock:\n"
      "\t  4a1b run+0x10 (/opt/app)\n"
      "\n"
      "pool 3 12688 [002] 6544038.708352: 1000 cpu-clock:u: \n"
      "\t  4a1b run+0x10 (/opt/app)\n"
      "\n");
  EXPECT_EQ(folded.samples, 4u);
  EXPECT_EQ(folded.stacks.count("V8_WorkerThread;run"), 1u);
  EXPECT_EQ(folded.stacks.count("worker_2;run"), 1u);
  EXPECT_EQ(folded.stacks.count("java;run"), 1u);
  EXPECT_EQ(folded.stacks.count("pool_3;run"), 1u);
}

TEST(FoldPerfScript, SumsIdenticalStacksOnceTheirOffsetsAreGone) {
  const auto folded = folded_test_fold(
      "app 1 1.000001: cpu-clock:\n"
      "\t  10 leaf+0x1 (/opt/app)\n"
      "\t  20 main+0x2 (/opt/app)\n"
      "\n"
      "app 1 1.000002: cpu-clock:\n"
      "\t  11 leaf+0x2 (/opt/app)\n"
      "\t  21 main+0x3 (/opt/app)\n"
      "\n");
  EXPECT_EQ(folded.samples, 2u);
  ASSERT_EQ(folded.stacks.size(), 1u);
  EXPECT_EQ(folded.stacks.at("app;main;leaf"), 2u);
}

TEST(FoldPerfScript, ASampleWithoutFramesCountsAsItsComm) {
  const auto folded = folded_test_fold(
      "idle 7 5.000000: cpu-clock:\n"
      "\n"
      "idle 7 5.010000: cpu-clock:\n"
      "\n"
      "busy 8 5.020000: cpu-clock:\n"
      "\t  10 spin (/opt/busy)\n");  // the last sample ends with the input, no blank line
  EXPECT_EQ(folded.samples, 3u);
  EXPECT_EQ(folded.stacks.at("idle"), 2u);
  EXPECT_EQ(folded.stacks.at("busy;spin"), 1u);
}

TEST(FoldPerfScript, ANewHeaderEndsASampleEvenWithoutABlankLine) {
  const auto folded = folded_test_fold(
      "a 1 1.000001: cpu-clock:\n"
      "\t  10 f (/x)\n"
      "b 2 1.000002: cpu-clock:\n"
      "\t  10 g (/x)\n"
      "\n\n\n");
  EXPECT_EQ(folded.samples, 2u);
  EXPECT_EQ(folded.stacks.at("a;f"), 1u);
  EXPECT_EQ(folded.stacks.at("b;g"), 1u);
}

TEST(FoldPerfScript, TidiesNamesAndSkipsPerfsComments) {
  const auto folded = folded_test_fold(
      "# ========\n"
      "# cmdline : /usr/bin/perf record -F 199 -g -p 17252\n"
      "# ========\n"
      "#\n"
      "srv 9 2.5: cpu-clock:\r\n"
      "        4a1b odd;name+0x10 (/opt/srv)\r\n"  // indented with spaces, CRLF
      "\t4a1c std::operator< <char>+0x2 (/opt/srv)\n"
      "\t4a1d std::less<int>::operator()+0x3 (inlined)\n"
      "\t4a1e [unknown] (/opt/lib dir/libx.so.1)\n"
      "\tffff [unknown] ([kernel.kallsyms])\n"
      "\t4a1f (/opt/srv)\n"
      "\t4a20 [unknown] ([vdso])\n"
      "\n");
  EXPECT_EQ(folded.samples, 1u);
  ASSERT_EQ(folded.stacks.size(), 1u);
  EXPECT_EQ(folded.stacks.begin()->first,
            "srv;[vdso];[srv];[kernel.kallsyms]_[k];[libx.so.1];std::less<int>::operator();std::"
            "operator< "
            "<char>;odd:name");
}

TEST(FoldPerfScript, ReadsHeadersPaddedToSixteenColumnsAsSamplesOfTheirOwn) {
  // perf script without call chains: one line per sample, the comm right-aligned.
  const auto folded = folded_test_fold(
      "              dd 18995 34857.791849:    1001001 cpu-clock:ppp:      55a8992b4943 [unknown] "
      "(/usr/bin/dd)\n"
      "              dd 18995 34857.792852:    1001001 cpu-clock:ppp:      7fd58b4b42ad read+0xd "
      "(/lib/libc.so.6)\n");
  EXPECT_EQ(folded.samples, 2u);
  EXPECT_EQ(folded.stacks.at("dd"), 2u);
}

TEST(FoldPerfScript, IsLinearInItsInput) {
  // 200,000 samples of 20 frames (~40 MB): a quadratic step would take minutes.
  std::string sample = "app 1 1.000001: 1 cpu-clock:\n";
  for (int f = 0; f < 20; ++f)
    sample +=
        "\t  4a1b some::namespace::function_number_" + std::to_string(f) + "+0x10 (/opt/app/bin)\n";
  sample += "\n";
  std::string text;
  text.reserve(sample.size() * 200000);
  for (int i = 0; i < 200000; ++i)
    text += sample;
  const auto begin = std::chrono::steady_clock::now();
  const auto folded = folded_test_fold(text);
  const auto took = std::chrono::steady_clock::now() - begin;
  EXPECT_EQ(folded.samples, 200000u);
  EXPECT_EQ(folded.stacks.size(), 1u);
  EXPECT_LT(took, std::chrono::seconds(10));
}

TEST(FoldedText, RoundTripsThroughParseFolded) {
  const auto folded = folded_test_fold(kFoldedSampleScript);
  const auto text = folded_text(folded);
  EXPECT_EQ(text,
            "dd;read;do_syscall_64_[k];vfs_read_[k];rw_verify_area_[k] 1\n"
            "sh;[dash] 1\n"
            "sh;[unknown];__strchr_evex 1\n");
  std::istringstream in(text);
  const auto back = parse_folded(in);
  EXPECT_EQ(back.stacks, folded.stacks);
  EXPECT_EQ(back.samples, folded.samples);
}

TEST(ParseFolded, SkipsMalformedLinesAndSumsRepeatedStacks) {
  std::istringstream in(
      "app;main;f 3\n"
      "\n"
      "no count here\n"
      "app;main;g x12\n"
      "app;main;g 12x\n"
      " 5\n"
      "app;main;std::operator< <char> 2\r\n"
      "app;main;f\t4\n");
  const auto folded = parse_folded(in);
  EXPECT_EQ(folded.samples, 9u);
  const std::map<std::string, uint64_t> expected = {{"app;main;f", 7},
                                                    {"app;main;std::operator< <char>", 2}};
  EXPECT_EQ(folded.stacks, expected);
}

FoldedStacks folded_test_stacks(std::map<std::string, uint64_t> stacks) {
  FoldedStacks f;
  for (const auto& [s, n] : stacks)
    f.samples += n;
  f.stacks = std::move(stacks);
  return f;
}

const FunctionShare* folded_test_share(const std::vector<FunctionShare>& shares,
                                       const std::string& name) {
  for (const auto& s : shares) {
    if (s.function == name)
      return &s;
  }
  return nullptr;
}

TEST(FunctionShares, CountsSelfAtTheLeafAndTotalOncePerStackUnderRecursion) {
  const auto shares = function_shares(folded_test_stacks({
      {"app;main;walk;walk;walk;visit", 6},  // walk recursive: its total counts 6, not 18
      {"app;main;walk", 2},
      {"app;main", 1},
      {"app", 1},  // a sample with no frame: in the total, no function's
  }));
  ASSERT_EQ(shares.size(), 3u);  // main, visit, walk: the comm "app" is not a function
  EXPECT_EQ(shares[0].function, "main");
  EXPECT_EQ(shares[1].function, "visit");
  EXPECT_EQ(shares[2].function, "walk");
  const auto* walk = folded_test_share(shares, "walk");
  EXPECT_EQ(walk->self, 2u);
  EXPECT_EQ(walk->total, 8u);
  EXPECT_DOUBLE_EQ(walk->self_share, 0.2);
  EXPECT_DOUBLE_EQ(walk->total_share, 0.8);
  const auto* main_fn = folded_test_share(shares, "main");
  EXPECT_EQ(main_fn->self, 1u);
  EXPECT_EQ(main_fn->total, 9u);
  EXPECT_DOUBLE_EQ(main_fn->total_share, 0.9);
  EXPECT_EQ(folded_test_share(shares, "visit")->self, 6u);
  EXPECT_EQ(folded_test_share(shares, "app"), nullptr);
}

TEST(FunctionShares, OfNothingIsEmpty) {
  EXPECT_TRUE(function_shares(FoldedStacks{}).empty());
}

TEST(FunctionShares, TopListsOrderByCountThenName) {
  const auto shares = function_shares(folded_test_stacks({
      {"a;main;b", 3},
      {"a;main;c", 3},
      {"a;main;d", 5},
      {"a;main;c;e", 1},
  }));
  const auto by_self = top_by_self(shares, 3);
  ASSERT_EQ(by_self.size(), 3u);
  EXPECT_EQ(by_self[0].function, "d");
  EXPECT_EQ(by_self[1].function, "b");  // b and c tie on 3: by name
  EXPECT_EQ(by_self[2].function, "c");
  const auto by_total = top_by_total(shares, 10);
  ASSERT_EQ(by_total.size(), 5u);  // fewer than asked
  EXPECT_EQ(by_total[0].function, "main");
  EXPECT_EQ(by_total[1].function, "d");
  EXPECT_EQ(by_total[2].function, "c");  // 4
  EXPECT_EQ(by_total[3].function, "b");
  EXPECT_EQ(by_total[4].function, "e");
  EXPECT_TRUE(top_by_self(shares, 0).empty());
}

TEST(BiggestChanges, RanksByAbsoluteTotalShareChangeWithMissingSidesAtZero) {
  const auto before = function_shares(
      folded_test_stacks({{"a;main;parse", 50}, {"a;main;render", 30}, {"a;main;gone", 20}}));
  const auto after = function_shares(
      folded_test_stacks({{"a;main;parse", 20}, {"a;main;render", 30}, {"a;main;fresh", 50}}));
  const auto changes = biggest_changes(before, after, 3);
  ASSERT_EQ(changes.size(), 3u);
  EXPECT_EQ(changes[0].function, "fresh");  // 0 -> 0.5
  EXPECT_DOUBLE_EQ(changes[0].before, 0);
  EXPECT_DOUBLE_EQ(changes[0].after, 0.5);
  EXPECT_EQ(changes[1].function, "parse");  // 0.5 -> 0.2
  EXPECT_DOUBLE_EQ(changes[1].change(), -0.3);
  EXPECT_EQ(changes[2].function, "gone");  // 0.2 -> 0
  EXPECT_DOUBLE_EQ(changes[2].after, 0);
  const auto all = biggest_changes(before, after, 100);
  ASSERT_EQ(all.size(), 5u);
  EXPECT_EQ(all[3].function, "main");  // no change: by name
  EXPECT_EQ(all[4].function, "render");
}

}  // namespace
}  // namespace loadgen::probes
