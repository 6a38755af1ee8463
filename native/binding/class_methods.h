// The prototype methods of the binding's classes (NormalEquations,
// FactorSnapshot): each checks `this` (Wrap::Self: its type tag and state)
// and turns C++ exceptions into JavaScript errors named after the method,
// "<Class>.<method>", which travels as the function's data.
#pragma once

#include <napi.h>

#include <mutex>
#include <set>
#include <string>

#include "arguments.h"

namespace ariadne::binding {

// A name that lives as long as the process (addon instances in several
// worker_threads share them).
inline const char* Intern(const std::string& name) {
  static std::mutex mutex;
  static auto* names = new std::set<std::string>();
  std::lock_guard<std::mutex> lock(mutex);
  return names->insert(name).first->c_str();
}

template <typename Wrap, Napi::Value (Wrap::*Method)(const Napi::CallbackInfo&)>
Napi::ClassPropertyDescriptor<Wrap> ClassMethod(const char* class_name, const char* name) {
  napi_property_descriptor descriptor = {};
  descriptor.utf8name = name;
  descriptor.method = [](napi_env env, napi_callback_info callback_info) -> napi_value {
    Napi::CallbackInfo info(env, callback_info);
    try {
      const char* function = static_cast<const char*>(info.Data());
      return Guard(info.Env(), function, [&] {
        Wrap* self = Wrap::Self(info, function);
        return (self->*Method)(info);
      });
    } catch (const Napi::Error& error) {
      // Throwing fails (and throws) while the environment shuts down, e.g. a
      // worker_thread being terminated: nothing is left to tell then, and an
      // exception escaping this C callback would abort the process.
      try {
        error.ThrowAsJavaScriptException();
      } catch (...) {
      }
      return nullptr;
    }
  };
  descriptor.attributes = napi_default_method;
  descriptor.data = const_cast<char*>(Intern(std::string(class_name) + "." + name));
  return Napi::ClassPropertyDescriptor<Wrap>(descriptor);
}

}  // namespace ariadne::binding
