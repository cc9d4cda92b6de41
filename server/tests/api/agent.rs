//! The two ends together: batches made by the agent's own engine, taken by the server.

use super::support::*;
use axum::http::StatusCode;
use concierge::engine::cart::Item;
use concierge::engine::config::Config;
use concierge::engine::sync::SendOutcome;
use concierge::engine::view::Action;
use concierge::engine::{Agent, Commerce, CommerceKind, Effect, Event, Page};

const T: i64 = 1_795_435_200_000;

fn agent_batch(agent: &mut Agent, now: i64) -> concierge::engine::sync::Batch {
    let effects = agent.handle(Event::FlushGranted, now);
    effects
        .into_iter()
        .find_map(|effect| match effect {
            Effect::Send(batch) => Some(batch),
            _ => None,
        })
        .expect("the agent sends a batch")
}

#[tokio::test]
async fn what_the_agent_sends_the_server_stores_and_staff_see() {
    for site in sites().await {
        let mut agent = Agent::new(Config::new("demo"));
        agent.handle(
            Event::Start { stored: Box::default(), page: Page::at("/"), seed: rand_bits() },
            T,
        );
        agent.handle(Event::Action(Action::AcceptConsent), T);
        let phone = Item {
            id: "aurora-x1".into(),
            name: "Aurora X1".into(),
            category: Some("Phones".into()),
            price: 79900,
            quantity: 1,
        };
        agent.handle(
            Event::Commerce(Commerce {
                kind: CommerceKind::AddToCart,
                items: Some(vec![phone]),
                transaction_id: None,
            }),
            T + 1,
        );

        let batch = agent_batch(&mut agent, T + 2);
        let body =
            serde_json::to_value(concierge::wire::encode_batch(batch.clone(), "demo")).unwrap();
        let reply = site.send(&body).await;
        assert_eq!(reply.status, StatusCode::OK, "{}: {}", site.backend, reply.json());
        assert_eq!(reply.json()["accepted"], batch.events.len() as u64);

        // Sent again (the answer was lost): counted once.
        let again = site.send(&body).await.json();
        assert_eq!(again["replayed"], true);
        agent.handle(
            Event::Sent {
                key: batch.key.clone(),
                outcome: SendOutcome::Accepted { cart_code_taken: false },
            },
            T + 3,
        );

        let code = agent.cart_code().expect("a cart code").to_owned();
        let live = site.get(&format!("/v1/carts/{code}"), &[("authorization", &staff())]).await;
        assert_eq!(live.status, StatusCode::OK, "{}", site.backend);
        let live = live.json();
        assert_eq!(live["total"], 79900);
        assert_eq!(live["cart"]["lines"][0]["item_name"], "Aurora X1");
    }
}

/// Distinct per run, so repeated runs against one PostgreSQL never reuse an id.
fn rand_bits() -> u64 {
    let nanos =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos();
    (nanos as u64).rotate_left(29)
}
