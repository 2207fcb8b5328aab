#include "probes/folded_stacks.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <istream>
#include <string_view>
#include <unordered_map>

namespace loadgen::probes {
namespace {

// Heterogeneous lookup: a frame or stack is looked up by string_view, copied only when new.
struct FoldedStringHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
};
template <typename V>
using FoldedStringMap = std::unordered_map<std::string, V, FoldedStringHash, std::equal_to<>>;

bool folded_is_space(char c) {
  return c == ' ' || c == '\t';
}
bool folded_is_digit(char c) {
  return c >= '0' && c <= '9';
}
bool folded_is_hex(char c) {
  return folded_is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

bool folded_all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), folded_is_digit);
}

// "34158.962159:"
bool folded_is_time_token(std::string_view t) {
  if (t.size() < 4 || t.back() != ':')
    return false;
  t.remove_suffix(1);
  const auto dot = t.find('.');
  return dot != std::string_view::npos && folded_all_digits(t.substr(0, dot)) &&
         folded_all_digits(t.substr(dot + 1));
}

// "17252", "17252/17260", "-1/-1"
bool folded_is_pid_token(std::string_view t) {
  const auto one = [](std::string_view n) {
    if (!n.empty() && n.front() == '-')
      n.remove_prefix(1);
    return folded_all_digits(n);
  };
  const auto slash = t.find('/');
  if (slash == std::string_view::npos)
    return one(t);
  return one(t.substr(0, slash)) && one(t.substr(slash + 1));
}

// "[001]"
bool folded_is_cpu_token(std::string_view t) {
  return t.size() >= 3 && t.front() == '[' && t.back() == ']' &&
         folded_all_digits(t.substr(1, t.size() - 2));
}

std::string_view folded_trim(std::string_view s) {
  while (!s.empty() && folded_is_space(s.front()))
    s.remove_prefix(1);
  while (!s.empty() && (folded_is_space(s.back()) || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

struct FoldedToken {
  size_t begin;
  size_t end;
};

// The comm of a sample's header line, or false when the line is not one. Strict: the pid
// token is the one just before the time ("comm pid[/tid] [cpu] time:"), so a comm with spaces
// and digits ("V8 Worker 2") reads whole. Lenient (no time field, as with `perf script -F
// comm,tid,ip,sym,dso`): the first pid-like token after the first.
bool folded_parse_header(std::string_view line, bool lenient, std::vector<FoldedToken>& tokens,
                         std::string_view& comm) {
  tokens.clear();
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && folded_is_space(line[i]))
      ++i;
    if (i >= line.size())
      break;
    const size_t begin = i;
    while (i < line.size() && !folded_is_space(line[i]))
      ++i;
    tokens.push_back({begin, i});
    // The header's fields end by the event name; no need to split the rest of a long line.
    if (tokens.size() > 2 && folded_is_time_token(line.substr(begin, i - begin)))
      break;
  }
  const auto token = [&](size_t k) {
    return line.substr(tokens[k].begin, tokens[k].end - tokens[k].begin);
  };
  size_t pid_at = 0;
  if (tokens.size() >= 3 && folded_is_time_token(token(tokens.size() - 1))) {
    pid_at = tokens.size() - 2;
    if (folded_is_cpu_token(token(pid_at)))
      --pid_at;
    if (pid_at < 1 || !folded_is_pid_token(token(pid_at)))
      return false;
  } else {
    if (!lenient)
      return false;
    for (size_t k = 1; k < tokens.size() && pid_at == 0; ++k) {
      if (folded_is_pid_token(token(k)))
        pid_at = k;
    }
    if (pid_at == 0)
      return false;
  }
  comm = folded_trim(line.substr(0, tokens[pid_at].begin));
  return true;
}

bool folded_is_kernel_dso(std::string_view dso) {
  if (dso.starts_with("[kernel."))
    return true;
  const auto slash = dso.rfind('/');
  const auto base = slash == std::string_view::npos ? dso : dso.substr(slash + 1);
  return base.starts_with("vmlinux");
}

// One frame line, "addr symbol+0xoff (dso)", into its frame name; false when the line is not
// a frame.
bool folded_parse_frame(std::string_view line, std::string& name) {
  line = folded_trim(line);
  size_t addr_end = 0;
  while (addr_end < line.size() && !folded_is_space(line[addr_end]))
    ++addr_end;
  if (addr_end == 0 ||
      !std::all_of(line.begin(), line.begin() + static_cast<long>(addr_end), folded_is_hex)) {
    return false;
  }
  std::string_view rest = folded_trim(line.substr(addr_end));
  std::string_view symbol = rest;
  std::string_view dso;
  if (!rest.empty() && rest.back() == ')') {
    const auto open = rest.rfind(" (");
    if (open != std::string_view::npos) {
      symbol = folded_trim(rest.substr(0, open));
      dso = rest.substr(open + 2, rest.size() - open - 3);
    } else if (rest.front() == '(') {
      symbol = {};
      dso = rest.substr(1, rest.size() - 2);
    }
  }
  // "+0x1e": the offset in the function.
  const auto plus = symbol.rfind("+0x");
  if (plus != std::string_view::npos && plus > 0 && plus + 3 < symbol.size() &&
      std::all_of(symbol.begin() + static_cast<long>(plus + 3), symbol.end(), folded_is_hex)) {
    symbol = symbol.substr(0, plus);
  }
  name.clear();
  if (symbol.empty() || symbol == "[unknown]") {
    if (dso.empty() || dso == "[unknown]") {
      name = "[unknown]";
    } else {
      const auto slash = dso.rfind('/');
      const auto base = slash == std::string_view::npos ? dso : dso.substr(slash + 1);
      if (base.size() >= 2 && base.front() == '[' && base.back() == ']') {
        name = base;  // "[vdso]", "[kernel.kallsyms]"
      } else {
        name.append("[").append(base).append("]");
      }
    }
  } else {
    name = symbol;
  }
  std::replace(name.begin(), name.end(), ';', ':');
  if (folded_is_kernel_dso(dso))
    name += "_[k]";
  return true;
}

class PerfScriptFolder {
 public:
  void line(std::string_view text) {
    if (!text.empty() && text.back() == '\r')
      text.remove_suffix(1);
    if (folded_trim(text).empty()) {
      flush();
      return;
    }
    std::string_view comm;
    if (text.front() == '\t') {  // perf indents frames with a tab
      if (in_sample_)
        add_frame(text);
      return;
    }
    if (folded_is_space(text.front())) {
      // Hand-written frames indented with spaces, or a header padded to 16 columns (perf
      // script without call chains): a header has a time field, a frame never does.
      if (folded_parse_header(text, false, tokens_, comm)) {
        start_sample(comm);
      } else if (in_sample_) {
        add_frame(text);
      }
      return;
    }
    // perf's header comments ("# cmdline : ...") hold numbers too: only a strict header there.
    if (folded_parse_header(text, text.front() != '#', tokens_, comm))
      start_sample(comm);
  }

  FoldedStacks finish() {
    flush();
    FoldedStacks out;
    out.samples = samples_;
    for (auto& [stack, count] : counts_)
      out.stacks.emplace(stack, count);
    counts_.clear();
    return out;
  }

 private:
  void start_sample(std::string_view comm) {
    flush();
    comm_.assign(comm);
    for (auto& c : comm_) {
      if (c == ' ' || c == '\t')
        c = '_';
      if (c == ';')
        c = ':';
    }
    in_sample_ = true;
  }

  void add_frame(std::string_view text) {
    if (frame_count_ == frames_.size())
      frames_.emplace_back();
    if (folded_parse_frame(text, frames_[frame_count_]))
      ++frame_count_;
  }

  void flush() {
    if (!in_sample_)
      return;
    key_ = comm_;
    for (size_t i = frame_count_; i-- > 0;)
      key_.append(";").append(frames_[i]);
    if (auto it = counts_.find(std::string_view(key_)); it != counts_.end()) {
      ++it->second;
    } else {
      counts_.emplace(key_, 1);
    }
    ++samples_;
    in_sample_ = false;
    frame_count_ = 0;
  }

  FoldedStringMap<uint64_t> counts_;
  uint64_t samples_ = 0;
  bool in_sample_ = false;
  std::string comm_;
  std::vector<std::string> frames_;  // reused: frame_count_ of them are the current sample's
  size_t frame_count_ = 0;
  std::string key_;
  std::vector<FoldedToken> tokens_;
};

bool folded_share_order(const FunctionShare& a, const FunctionShare& b, bool by_self) {
  const auto ka = by_self ? a.self : a.total;
  const auto kb = by_self ? b.self : b.total;
  if (ka != kb)
    return ka > kb;
  return a.function < b.function;
}

std::vector<FunctionShare> folded_top(const std::vector<FunctionShare>& shares, size_t n,
                                      bool by_self) {
  std::vector<FunctionShare> out = shares;
  const auto order = [by_self](const FunctionShare& a, const FunctionShare& b) {
    return folded_share_order(a, b, by_self);
  };
  n = std::min(n, out.size());
  std::partial_sort(out.begin(), out.begin() + static_cast<long>(n), out.end(), order);
  out.resize(n);
  return out;
}

}  // namespace

FoldedStacks fold_perf_script(std::istream& in) {
  PerfScriptFolder folder;
  std::string text;
  while (std::getline(in, text))
    folder.line(text);
  return folder.finish();
}

std::string folded_text(const FoldedStacks& folded) {
  std::string out;
  for (const auto& [stack, count] : folded.stacks) {
    out.append(stack).append(" ").append(std::to_string(count)).append("\n");
  }
  return out;
}

FoldedStacks parse_folded(std::istream& in) {
  FoldedStacks out;
  std::string text;
  while (std::getline(in, text)) {
    const std::string_view line = folded_trim(text);
    const auto space = line.find_last_of(" \t");
    if (space == std::string_view::npos)
      continue;
    const auto stack = folded_trim(line.substr(0, space));
    const auto digits = line.substr(space + 1);
    uint64_t count = 0;
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), count);
    if (stack.empty() || ec != std::errc{} || end != digits.data() + digits.size())
      continue;
    out.stacks[std::string(stack)] += count;
    out.samples += count;
  }
  return out;
}

std::vector<FunctionShare> function_shares(const FoldedStacks& folded) {
  uint64_t all = folded.samples;
  if (all == 0) {
    for (const auto& [stack, count] : folded.stacks)
      all += count;
  }
  std::vector<FunctionShare> shares;
  std::vector<size_t> counted_in;  // per function: 1 + the stack it was last counted in
  FoldedStringMap<size_t> index;
  size_t stack_number = 0;
  for (const auto& [stack, count] : folded.stacks) {
    ++stack_number;
    std::string_view rest(stack);
    const auto first = rest.find(';');
    if (first == std::string_view::npos)
      continue;  // the comm alone: no function
    rest.remove_prefix(first + 1);
    size_t leaf = SIZE_MAX;
    while (true) {
      const auto semi = rest.find(';');
      const auto frame = rest.substr(0, semi);
      if (!frame.empty()) {
        auto it = index.find(frame);
        if (it == index.end()) {
          it = index.emplace(std::string(frame), shares.size()).first;
          shares.push_back({std::string(frame)});
          counted_in.push_back(0);
        }
        const size_t f = it->second;
        if (counted_in[f] != stack_number) {  // recursion counts once per stack
          counted_in[f] = stack_number;
          shares[f].total += count;
        }
        leaf = f;
      }
      if (semi == std::string_view::npos)
        break;
      rest.remove_prefix(semi + 1);
    }
    if (leaf != SIZE_MAX)
      shares[leaf].self += count;
  }
  for (auto& s : shares) {
    if (all > 0) {
      s.self_share = static_cast<double>(s.self) / static_cast<double>(all);
      s.total_share = static_cast<double>(s.total) / static_cast<double>(all);
    }
  }
  std::sort(shares.begin(), shares.end(),
            [](const FunctionShare& a, const FunctionShare& b) { return a.function < b.function; });
  return shares;
}

std::vector<FunctionShare> top_by_self(const std::vector<FunctionShare>& shares, size_t n) {
  return folded_top(shares, n, true);
}

std::vector<FunctionShare> top_by_total(const std::vector<FunctionShare>& shares, size_t n) {
  return folded_top(shares, n, false);
}

std::vector<ShareChange> biggest_changes(const std::vector<FunctionShare>& before,
                                         const std::vector<FunctionShare>& after, size_t n) {
  std::map<std::string, ShareChange> by_name;
  for (const auto& s : before) {
    auto& c = by_name[s.function];
    c.function = s.function;
    c.before = s.total_share;
  }
  for (const auto& s : after) {
    auto& c = by_name[s.function];
    c.function = s.function;
    c.after = s.total_share;
  }
  std::vector<ShareChange> out;
  out.reserve(by_name.size());
  for (auto& [name, change] : by_name)
    out.push_back(std::move(change));
  n = std::min(n, out.size());
  std::partial_sort(out.begin(), out.begin() + static_cast<long>(n), out.end(),
                    [](const ShareChange& a, const ShareChange& b) {
                      const double da = std::fabs(a.change());
                      const double db = std::fabs(b.change());
                      if (da != db)
                        return da > db;
                      return a.function < b.function;
                    });
  out.resize(n);
  return out;
}

}  // namespace loadgen::probes
