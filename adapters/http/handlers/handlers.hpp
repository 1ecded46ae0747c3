#pragma once
// Every handler of the route table, by resource family; each family lives
// in its own file beside this header. A handler validates its input,
// checks the scope its role rule cannot (which unit, which ticket), sends
// the request on and returns; the answer follows through the call.

#include "adapters/http/call.hpp"

namespace hotline::http::handlers {

// system.cpp — health, metrics, the cluster view, the test clock
void healthz(const call_ptr& c);
void metrics(const call_ptr& c);
void cluster_view(const call_ptr& c);
void move_test_clock(const call_ptr& c);
// Issue 14 item 4 (M-D-1): monitoring.cpp
void overview(const call_ptr& c);
void warnings(const call_ptr& c);

// catalog.cpp — public reference data and the OpenAPI document
void categories(const call_ptr& c);
void units(const call_ptr& c);
void refusal_rules(const call_ptr& c);
/// GET /api/v1/openapi.json: the OpenAPI 3.0 document of /api/v1.
void openapi(const call_ptr& c);

// demands.cpp — intake (M-R-1, M-C-1, M-RT-1, M-S-2)
void post_demand(const call_ptr& c);
void preview_routing(const call_ptr& c);

// tickets.cpp — one ticket: views and every act on it
void get_ticket(const call_ptr& c);
void timeline(const call_ptr& c);
void accept(const call_ptr& c);
void reply(const call_ptr& c);
void return_ticket(const call_ptr& c);
void request_extension(const call_ptr& c);
void decide_extension(const call_ptr& c);
void opinion(const call_ptr& c);
void name_handler(const call_ptr& c);
void handler_report(const call_ptr& c);
void designation(const call_ptr& c);
void escalate(const call_ptr& c);
void callback(const call_ptr& c);

// caller.cpp — the caller's contact, revealed for a purpose and audited
void reveal_caller_contact(const call_ptr& c);

// worklists.cpp — worklists and overviews (issue 10)
void inbox(const call_ptr& c);
void unit_overview(const call_ptr& c);
void office_overview(const call_ptr& c);
void coordination_queue(const call_ptr& c);
void returns(const call_ptr& c);

// events.cpp — Server-Sent Events (issue 10)
void unit_events(const call_ptr& c);
void office_events(const call_ptr& c);

// people.cpp — sessions and accounts (M-U-1)
void login(const call_ptr& c);
void logout(const call_ptr& c);
void whoami(const call_ptr& c);
void list_users(const call_ptr& c);
void add_user(const call_ptr& c);
void disable_user(const call_ptr& c);
void enable_user(const call_ptr& c);

// webhooks.cpp — integrators' subscriptions to ticket steps (issue 10)
void add_webhook(const call_ptr& c);
void list_webhooks(const call_ptr& c);
void get_webhook(const call_ptr& c);
void remove_webhook(const call_ptr& c);
void webhook_dead_letters(const call_ptr& c);
void replay_webhook(const call_ptr& c);

// knowledge.cpp — the knowledge base (issue 13, M-KB-1..4)
void kb_create(const call_ptr& c);
void kb_revise(const call_ptr& c);
void kb_submit(const call_ptr& c);
void kb_review(const call_ptr& c);
void kb_retire(const call_ptr& c);
void kb_article(const call_ptr& c);
void kb_search(const call_ptr& c);
// knowledge_use.cpp — gaps, maintenance requests, use statistics (M-KB-3)
void kb_gaps(const call_ptr& c);
void kb_request(const call_ptr& c);
void kb_requests(const call_ptr& c);
void kb_close_request(const call_ptr& c);
void kb_stats(const call_ptr& c);
/// A direct answer's cited article must exist and that version must have
/// been published; throws a 422 on disposal.article otherwise. Blocks.
void kb_check_citation(const call_ptr& c, const routing::disposal& how);
// open311.cpp — Open311 GeoReport v2 for integrators (issue 12, M-D-2, M-P-2)
void o311_discovery(const call_ptr& c);
void o311_services(const call_ptr& c);
void o311_service(const call_ptr& c);
void o311_post_request(const call_ptr& c);
void o311_requests(const call_ptr& c);
void o311_request(const call_ptr& c);
void o311_updates(const call_ptr& c);
void o311_post_update(const call_ptr& c);

// evaluation.cpp — the evaluation of handling units (issue 14, M-E-1)
void get_evaluation(const call_ptr& c);
void get_evaluation_tickets(const call_ptr& c);

// audit.cpp — the audit log, for auditors
void read_audit(const call_ptr& c);

} // namespace hotline::http::handlers
