#include <algorithm>
#include <mutex>

#include "host/modules/module.hpp"

namespace trawl::detail {
namespace {

std::mutex registry_mutex;
std::vector<ModuleSpec>& added_modules() {  // guarded by registry_mutex
  static std::vector<ModuleSpec> modules;
  return modules;
}

// Every needed service that some module provides must be provided by an earlier one.
void check_services(const std::vector<ModuleSpec>& modules) {
  for (std::size_t i = 0; i < modules.size(); ++i)
    for (const auto& need : modules[i].needs)
      for (std::size_t j = i; j < modules.size(); ++j)
        if (std::ranges::find(modules[j].provides, need) != modules[j].provides.end())
          throw Error(ErrorKind::internal, "module " + modules[i].name + " needs " + need + ", which module " + modules[j].name +
                                               " provides only after it");
}

}  // namespace

void RunContext::notify(const std::string& message) {
  log.write("notice", message);
  if (observer) observer->on_notice(message);
}

void RunContext::emit(const nlohmann::json& record) {
  if (observer) observer->on_record(record.dump());
}

std::vector<ModuleSpec> registered_modules() {
  std::vector<ModuleSpec> modules{filesystem_module(), identifier_module(), image_hash_module(), block_hash_module(),
                                  carve_module(),      known_module(),      file_hash_module()};
  {
    std::lock_guard lock(registry_mutex);
    modules.insert(modules.end(), added_modules().begin(), added_modules().end());
  }
  std::ranges::stable_sort(modules, {}, &ModuleSpec::order);
  check_services(modules);
  return modules;
}

ModuleRegistration::ModuleRegistration(ModuleSpec spec) : name_(spec.name) {
  std::lock_guard lock(registry_mutex);
  added_modules().push_back(std::move(spec));
}

ModuleRegistration::~ModuleRegistration() {
  std::lock_guard lock(registry_mutex);
  std::erase_if(added_modules(), [&](const ModuleSpec& m) { return m.name == name_; });
}

}  // namespace trawl::detail
