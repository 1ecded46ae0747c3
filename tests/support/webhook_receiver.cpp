#include "tests/support/webhook_receiver.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <thread>

#include "adapters/http/server.hpp"

namespace hotline::test {

struct webhook_receiver::impl {
  explicit impl(std::string s) : secret(std::move(s)) {}
  std::string secret;
  mutable std::mutex mtx;
  policy answer = [](std::size_t, const webhook_try&) { return 200; };
  std::vector<webhook_try> seen;
  std::vector<http::responder> held; // answers never given (until the end)
  std::unique_ptr<http::server> server;
};

std::string webhook_receiver::expected_signature(const std::string& secret,
                                                 const std::string& body) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(body.data()), body.size(), mac, &len);
  static constexpr char digits[] = "0123456789abcdef";
  std::string out = "sha256=";
  for (unsigned i = 0; i < len; ++i) {
    out.push_back(digits[mac[i] >> 4]);
    out.push_back(digits[mac[i] & 15]);
  }
  return out;
}

webhook_receiver::webhook_receiver(std::string secret)
    : impl_(std::make_unique<impl>(std::move(secret))) {
  http::server_options opts;
  opts.threads = 2;
  impl* self = impl_.get();
  impl_->server
      = std::make_unique<http::server>(opts, [self](http::request req, http::responder done) {
          webhook_try t;
          t.id = req.header("x-hotline-event-id");
          t.event = req.header("x-hotline-event");
          t.signature = req.header("x-hotline-signature");
          t.content_type = req.content_type;
          t.body = req.body;
          t.signature_ok = req.method == "POST" && req.path == "/hook"
                           && t.signature == expected_signature(self->secret, t.body);
          std::unique_lock<std::mutex> lock(self->mtx);
          t.status = self->answer(self->seen.size(), t);
          self->seen.push_back(t);
          if (t.status == 0) {
            self->held.push_back(done);
            return;
          }
          lock.unlock();
          http::response out;
          out.status = t.status;
          if (t.status == 204 || t.status == 304)
            out.content_type.clear();
          else
            out.body = "{}";
          done(std::move(out));
        });
  impl_->server->start();
}

webhook_receiver::~webhook_receiver() {
  impl_->server->stop();
  std::lock_guard<std::mutex> lock(impl_->mtx);
  impl_->held.clear();
}

std::uint16_t webhook_receiver::port() const {
  return impl_->server->port();
}

std::string webhook_receiver::url() const {
  return "http://127.0.0.1:" + std::to_string(port()) + "/hook";
}

void webhook_receiver::answer_with(policy p) {
  std::lock_guard<std::mutex> lock(impl_->mtx);
  impl_->answer = std::move(p);
}

std::vector<webhook_try> webhook_receiver::tries() const {
  std::lock_guard<std::mutex> lock(impl_->mtx);
  return impl_->seen;
}

std::vector<std::string> webhook_receiver::accepted() const {
  std::vector<std::string> out;
  for (const auto& t : tries())
    if (t.status >= 200 && t.status < 300)
      out.push_back(t.id);
  return out;
}

std::set<std::string> webhook_receiver::accepted_once() const {
  auto all = accepted();
  return {all.begin(), all.end()};
}

bool webhook_receiver::wait_for(const std::function<bool(const webhook_receiver&)>& done,
                                std::chrono::milliseconds limit) const {
  const auto until = std::chrono::steady_clock::now() + limit;
  while (!done(*this)) {
    if (std::chrono::steady_clock::now() > until)
      return done(*this);
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return true;
}

} // namespace hotline::test
