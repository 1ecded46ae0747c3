#include "adapters/open311/document.hpp"

#include <libxml/parser.h>
#include <libxml/xmlwriter.h>

#include <memory>
#include <mutex>
#include <stdexcept>

namespace hotline::open311 {

namespace {

const xmlChar* x(const std::string& s) {
  return reinterpret_cast<const xmlChar*>(s.c_str());
}

void check(int rc) {
  if (rc < 0)
    throw std::runtime_error("open311: the XML writer failed");
}

void write(xmlTextWriterPtr w, const element& e) {
  check(xmlTextWriterStartElement(w, x(e.name)));
  if (e.kind == element::object || e.kind == element::list) {
    for (const auto& c : e.children)
      write(w, c);
  } else {
    check(xmlTextWriterWriteString(w, x(e.value)));
  }
  check(xmlTextWriterEndElement(w));
}

nlohmann::json value_of(const element& e) {
  switch (e.kind) {
  case element::text:
    return e.value;
  case element::boolean:
    return e.value == "true";
  case element::number: {
    // Integers stay integers (order 1, not 1.0).
    if (e.value.find_first_of(".eE") == std::string::npos)
      return std::stoll(e.value);
    return std::stod(e.value);
  }
  case element::object: {
    auto out = nlohmann::json::object();
    for (const auto& c : e.children)
      out[c.name] = value_of(c);
    return out;
  }
  case element::list: {
    auto out = nlohmann::json::array();
    for (const auto& c : e.children)
      out.push_back(value_of(c));
    return out;
  }
  }
  return nullptr;
}

} // namespace

split_name split_format(std::string_view name) {
  split_name out;
  for (auto [ext, fmt] : {std::pair{std::string_view(".xml"), format::xml},
                          std::pair{std::string_view(".json"), format::json}}) {
    if (name.size() > ext.size() && name.substr(name.size() - ext.size()) == ext) {
      out.ok = true;
      out.fmt = fmt;
      out.stem = std::string(name.substr(0, name.size() - ext.size()));
    }
  }
  return out;
}

std::string to_xml(const element& root) {
  // libxml2 initializes its globals on first use; from several io and
  // pool threads at once that must happen once, before any of them.
  static std::once_flag once;
  std::call_once(once, [] { xmlInitParser(); });
  std::unique_ptr<xmlBuffer, void (*)(xmlBufferPtr)> buf(xmlBufferCreate(), xmlBufferFree);
  if (!buf)
    throw std::runtime_error("open311: no memory for the XML buffer");
  {
    std::unique_ptr<xmlTextWriter, void (*)(xmlTextWriterPtr)> w(
        xmlNewTextWriterMemory(buf.get(), 0), xmlFreeTextWriter);
    if (!w)
      throw std::runtime_error("open311: the XML writer failed");
    check(xmlTextWriterStartDocument(w.get(), "1.0", "UTF-8", nullptr));
    write(w.get(), root);
    check(xmlTextWriterEndDocument(w.get()));
  }
  return std::string(reinterpret_cast<const char*>(xmlBufferContent(buf.get())),
                     static_cast<std::size_t>(xmlBufferLength(buf.get())));
}

nlohmann::json to_json(const element& root) {
  return value_of(root);
}

std::string render(const element& root, format fmt) {
  return fmt == format::xml ? to_xml(root) : to_json(root).dump();
}

std::string content_type(format fmt) {
  return fmt == format::xml ? "text/xml; charset=utf-8" : "application/json; charset=utf-8";
}

} // namespace hotline::open311
