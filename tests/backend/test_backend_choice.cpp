// Backend choice (design.md: "auto = CUDA if a usable device exists, else CPU with a one-line
// notice"; `cuda` without a device is a usage error that says why). Runs on every machine: where
// a device IS present the no-device expectations are skipped, not faked.
#include <gtest/gtest.h>

#include "host/backend/backend.hpp"
#include "support/test_support.hpp"
#include "trawl/trawl.hpp"
#ifdef TRAWL_HAVE_CUDA
#include "host/backend/cuda/cuda_backend.hpp"
#endif

namespace trawl {
namespace {

bool cuda_ran(const detail::BackendChoice& choice) { return choice.backend->name() == "cuda"; }

TEST(BackendChoice, CpuIsAlwaysAvailableAndSaysNothing) {
  auto choice = detail::select_backend(BackendKind::cpu, 2);
  EXPECT_EQ(choice.backend->name(), "cpu");
  EXPECT_EQ(choice.backend->workers(), 2u);
  EXPECT_TRUE(choice.notice.empty());
}

TEST(BackendChoice, AutoFallsBackToTheCpuWithAOneLineNoticeWhenNoDeviceIsUsable) {
  auto choice = detail::select_backend(BackendKind::automatic, 1);
  if (cuda_ran(choice)) {
    EXPECT_TRUE(choice.notice.empty()) << choice.notice;
    GTEST_SKIP() << "a usable CUDA device is present: auto chose it";
  }
  EXPECT_EQ(choice.backend->name(), "cpu");
  EXPECT_EQ(choice.notice.rfind("using the CPU backend: ", 0), 0u) << choice.notice;
  EXPECT_GT(choice.notice.size(), std::string("using the CPU backend: ").size());
  EXPECT_EQ(choice.notice.find('\n'), std::string::npos) << choice.notice;
}

TEST(BackendChoice, CudaWithoutAUsableDeviceIsAUsageErrorCarryingTheReason) {
  auto fallback = detail::select_backend(BackendKind::automatic, 1);
  if (cuda_ran(fallback)) GTEST_SKIP() << "a usable CUDA device is present";
  const std::string reason = fallback.notice.substr(std::string("using the CPU backend: ").size());
  try {
    detail::select_backend(BackendKind::cuda, 1);
    FAIL() << "expected Error(options)";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::options);
    EXPECT_EQ(std::string(e.what()), "ScanOptions::backend cuda: " + reason);
  }
}

// Every choice's names read back to the choice they came from; an unknown name is refused by
// the CLI, which names the flag and the choices.
TEST(BackendChoice, ChoiceNamesReadBackAndAnUnknownOneNamesTheChoices) {
  for (auto kind : {BackendKind::automatic, BackendKind::cpu, BackendKind::cuda, BackendKind::emulated}) {
    BackendKind back = BackendKind::cpu == kind ? BackendKind::cuda : BackendKind::cpu;
    EXPECT_TRUE(parse_choice(to_string(kind), back)) << to_string(kind);
    EXPECT_EQ(back, kind);
  }
  EXPECT_EQ(to_string(BackendKind::automatic), "auto");
  EXPECT_EQ(choice_names(BackendKind{}), "auto, cpu, cuda or emulated");
  EXPECT_EQ(choice_names(CarveMode{}), "validated or headers");
  for (auto verdict : {CarveVerdict::valid, CarveVerdict::truncated, CarveVerdict::corrupt}) {
    CarveVerdict back = verdict == CarveVerdict::valid ? CarveVerdict::corrupt : CarveVerdict::valid;
    EXPECT_TRUE(parse_choice(to_string(verdict), back)) << to_string(verdict);
    EXPECT_EQ(back, verdict);
  }
  EXPECT_EQ(choice_names(CarveVerdict{}), "valid, truncated or corrupt");
  BackendKind unchanged = BackendKind::emulated;
  EXPECT_FALSE(parse_choice("opencl", unchanged));
  EXPECT_EQ(unchanged, BackendKind::emulated);
  test::TempDir dir;
  test::write_file(dir.evidence("disk.raw"), test::random_bytes(4096, 3));
  const std::string scan = test::cli() + " scan " + test::shell_quote(dir.evidence("disk.raw").string()) + " -q -o " +
                           test::shell_quote((dir / "o").string());
  struct Case {
    const char* flag;
    const char* message;
  };
  for (const Case c : {Case{" --backend opencl", "--backend must be auto, cpu, cuda or emulated, not 'opencl'"},
                       Case{" --carve-mode fast", "--carve-mode must be validated or headers, not 'fast'"},
                       Case{" --prefilter gpu", "--prefilter must be auto, emulated or off, not 'gpu'"},
                       Case{" --fs ntfs", "--fs must be auto or off, not 'ntfs'"}}) {
    const auto r = test::run(scan + c.flag);
    EXPECT_EQ(r.exit_code, 2) << c.flag << ": " << r.err;
    EXPECT_EQ(r.err, std::string("trawl: ") + c.message + "\n") << c.flag;
  }
  EXPECT_FALSE(test::fs::exists(dir / "o"));  // refused before anything was written
}

#ifdef TRAWL_HAVE_CUDA
// The reason make_cuda_backend gives is the runtime's own text, on one line, inside a sentence
// that reads well after either prefix select_backend puts before it.
TEST(BackendChoice, MakeCudaBackendGivesAOneLineReasonOrABackend) {
  std::string why;
  auto cuda = detail::make_cuda_backend(why);
  if (cuda) {
    EXPECT_EQ(cuda->name(), "cuda");
    EXPECT_GE(cuda->workers(), 2u);
    GTEST_SKIP() << "a usable CUDA device is present";
  }
  EXPECT_EQ(why.rfind("no usable CUDA device (", 0), 0u) << why;
  EXPECT_EQ(why.back(), ')') << why;
  EXPECT_EQ(why.find('\n'), std::string::npos) << why;
  std::cout << "[ reason   ] " << why << "\n";
}
#else
TEST(BackendChoice, BuildsWithoutCudaSayWhyCudaIsMissing) {
  auto choice = detail::select_backend(BackendKind::automatic, 1);
  EXPECT_EQ(choice.backend->name(), "cpu");
  EXPECT_NE(choice.notice.find("this build has no CUDA backend"), std::string::npos) << choice.notice;
}
#endif

// The same through the CLI, as a user meets it: `--backend cuda` exits 2 with the reason, and
// TRAWL_BACKEND=cuda does the same; auto scans on the CPU and says so once on stderr.
TEST(BackendChoice, CliBackendCudaWithoutDeviceExitsWithUsageAndTheReason) {
  auto fallback = detail::select_backend(BackendKind::automatic, 1);
  if (cuda_ran(fallback)) GTEST_SKIP() << "a usable CUDA device is present";
  const std::string reason = fallback.notice.substr(std::string("using the CPU backend: ").size());
  test::TempDir dir;
  test::write_file(dir.evidence("disk.raw"), test::random_bytes(64 << 10, 3));
  const std::string image = test::shell_quote((dir.evidence("disk.raw")).string());

  auto flag = test::run(test::cli() + " scan " + image + " -o " + test::shell_quote((dir / "a").string()) + " --backend cuda");
  EXPECT_EQ(flag.exit_code, 2) << flag.err;
  EXPECT_NE(flag.err.find("--backend cuda: " + reason), std::string::npos) << flag.err;

  auto env = test::run("TRAWL_BACKEND=cuda " + test::cli() + " scan " + image + " -o " +
                       test::shell_quote((dir / "b").string()));
  EXPECT_EQ(env.exit_code, 2) << env.err;
  EXPECT_NE(env.err.find(reason), std::string::npos) << env.err;

  auto automatic = test::run(test::cli() + " scan " + image + " -o " + test::shell_quote((dir / "c").string()) +
                             " --backend auto --progress none");
  EXPECT_EQ(automatic.exit_code, 0) << automatic.err;
  EXPECT_NE(automatic.err.find("using the CPU backend: " + reason), std::string::npos) << automatic.err;
  EXPECT_NE(automatic.out.find("backend   cpu"), std::string::npos) << automatic.out;
}

}  // namespace
}  // namespace trawl
