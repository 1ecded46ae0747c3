#include "tests/support/service_process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>

#include <chrono>
#include <cstring>
#include <fstream>
#include <regex>
#include <stdexcept>

extern char** environ;

namespace hotline::test {

namespace {

pid_t spawn_with_stdout(const std::vector<std::string>& args, int& out_fd) {
  int fds[2];
  if (::pipe(fds) != 0)
    throw std::runtime_error("pipe failed");
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, fds[1], STDOUT_FILENO);
  posix_spawn_file_actions_addclose(&fa, fds[0]);
  std::vector<std::string> copy = args;
  std::vector<char*> argv;
  for (auto& a : copy)
    argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = -1;
  const int rc = ::posix_spawn(&pid, argv[0], &fa, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  ::close(fds[1]);
  if (rc != 0) {
    ::close(fds[0]);
    throw std::runtime_error(std::string("cannot start ") + args[0] + ": " + std::strerror(rc));
  }
  out_fd = fds[0];
  return pid;
}

} // namespace

service_process::service_process(const std::filesystem::path& data_dir,
                                 std::vector<std::string> extra) {
  std::vector<std::string> args{
      std::string(HOTLINE_BIN_DIR) + "/hotlined", "--data-dir", data_dir.string(), "--listen",
      "127.0.0.1:0", "--config", std::string(HOTLINE_SOURCE_DIR) + "/config/chongqing",
      "--log-level", "warn",
      // Tests send many anonymous requests from one
      // address; the tests of these limits set their
      // own (the last value of a flag wins).
      "--anonymous-rate", "100000", "--anonymous-intakes-per-minute", "1000000"};
  args.insert(args.end(), extra.begin(), extra.end());
  pid_ = spawn_with_stdout(args, out_fd_);
  // Read stdout until the serving line; startup replays the AOF, allow time.
  std::string seen;
  const std::regex serving("serving http://[^:]+:([0-9]+)/");
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < give_up) {
    pollfd p{out_fd_, POLLIN, 0};
    if (::poll(&p, 1, 200) <= 0)
      continue;
    char buf[512];
    const auto n = ::read(out_fd_, buf, sizeof buf);
    if (n <= 0)
      break; // the process closed stdout: it died
    seen.append(buf, static_cast<std::size_t>(n));
    std::smatch m;
    if (std::regex_search(seen, m, serving)) {
      port_ = static_cast<std::uint16_t>(std::stoi(m[1]));
      return;
    }
  }
  stop(SIGKILL);
  throw std::runtime_error("hotlined did not start; stdout: " + seen);
}

service_process::~service_process() {
  if (pid_ > 0)
    stop(SIGTERM);
  if (out_fd_ >= 0)
    ::close(out_fd_);
}

int service_process::stop(int sig) {
  if (pid_ <= 0)
    return 0;
  ::kill(pid_, sig);
  int status = 0;
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
  return status;
}

std::string run_cli(const std::vector<std::string>& args) {
  std::vector<std::string> full{std::string(HOTLINE_BIN_DIR) + "/hotline"};
  full.insert(full.end(), args.begin(), args.end());
  int fd = -1;
  const pid_t pid = spawn_with_stdout(full, fd);
  std::string out;
  char buf[512];
  for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) > 0;)
    out.append(buf, static_cast<std::size_t>(n));
  ::close(fd);
  int status = 0;
  ::waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    throw std::runtime_error("hotline " + args.at(0) + " failed");
  while (!out.empty() && (out.back() == '\n' || out.back() == ' '))
    out.pop_back();
  return out;
}

cli_result run_cli_full(const std::vector<std::string>& args,
                        const std::optional<std::string>& input) {
  std::vector<std::string> full{std::string(HOTLINE_BIN_DIR) + "/hotline"};
  full.insert(full.end(), args.begin(), args.end());
  int in[2], out[2], err[2];
  if (::pipe(in) != 0 || ::pipe(out) != 0 || ::pipe(err) != 0)
    throw std::runtime_error("pipe failed");
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  if (input)
    posix_spawn_file_actions_adddup2(&fa, in[0], STDIN_FILENO);
  else
    posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&fa, out[1], STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&fa, err[1], STDERR_FILENO);
  for (int fd : {in[0], in[1], out[0], out[1], err[0], err[1]})
    posix_spawn_file_actions_addclose(&fa, fd);
  std::vector<char*> argv;
  for (auto& a : full)
    argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = -1;
  const int rc = ::posix_spawn(&pid, argv[0], &fa, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  for (int fd : {in[0], out[1], err[1]})
    ::close(fd);
  if (rc != 0) {
    for (int fd : {in[1], out[0], err[0]})
      ::close(fd);
    throw std::runtime_error(std::string("cannot start hotline: ") + std::strerror(rc));
  }
  // Small inputs fit the pipe buffer; write them before reading. A CLI that
  // exits before reading must not kill the test with SIGPIPE.
  ::signal(SIGPIPE, SIG_IGN);
  if (input && !input->empty())
    (void)!::write(in[1], input->data(), input->size());
  ::close(in[1]);
  cli_result res;
  // Read both streams as they come, so neither can fill up and block.
  pollfd fds[2] = {{out[0], POLLIN, 0}, {err[0], POLLIN, 0}};
  std::string* sinks[2] = {&res.out, &res.err};
  for (int open_fds = 2; open_fds > 0;) {
    if (::poll(fds, 2, -1) < 0 && errno != EINTR)
      break;
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0)
        continue;
      char buf[512];
      const ssize_t n = ::read(fds[i].fd, buf, sizeof buf);
      if (n > 0) {
        sinks[i]->append(buf, static_cast<std::size_t>(n));
      } else {
        ::close(fds[i].fd);
        fds[i].fd = -1;
        --open_fds;
      }
    }
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  res.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return res;
}

bool wait_for_exit(pid_t pid, std::chrono::milliseconds timeout) {
  const int fd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
  if (fd < 0)
    return errno == ESRCH; // no such process: it has exited already
  pollfd p{fd, POLLIN, 0};
  const int ready = ::poll(&p, 1, static_cast<int>(timeout.count()));
  ::close(fd);
  return ready > 0;
}

pid_t embedded_redis_pid(const std::filesystem::path& data_dir) {
  std::ifstream in(data_dir / "redis" / "redis.pid");
  long pid = -1;
  in >> pid;
  return static_cast<pid_t>(pid);
}

} // namespace hotline::test
