//! Demo data for a newcomer's first run: staff, sellers with stores, buyers.

use anyhow::bail;
use entity::account::{self, Role};
use rand::Rng;
use rand::distr::Alphanumeric;
use sea_orm::{ActiveEnum, EntityTrait, PaginatorTrait};
use secrecy::SecretString;

use crate::accounts::service::{self, NewStaff, Registration};
use crate::auth::RequestMeta;
use crate::state::AppState;

/// One demo account and its password, shown once.
#[derive(Debug, Clone)]
pub struct DemoAccount {
    /// Role.
    pub role: Role,
    /// Email.
    pub email: String,
    /// Password (random per database).
    pub password: String,
}

fn random_password() -> String {
    rand::rng()
        .sample_iter(&Alphanumeric)
        .take(16)
        .map(char::from)
        .collect()
}

/// Whether the database has no accounts yet.
pub async fn is_empty(state: &AppState) -> anyhow::Result<bool> {
    Ok(account::Entity::find().count(&state.db).await? == 0)
}

/// Creates the demo accounts; refuses a database that already has accounts.
pub async fn seed_demo(state: &AppState) -> anyhow::Result<Vec<DemoAccount>> {
    if !is_empty(state).await? {
        bail!("the database already has accounts; demo data goes into an empty database only");
    }
    let meta = RequestMeta {
        ip: None,
        user_agent: Some("storedesk seed".into()),
    };
    let mut created = Vec::new();
    let staff = [
        (Role::Admin, "admin@storedesk.test", "관리자 Admin"),
        (Role::Agent, "agent.kim@storedesk.test", "김상담 Agent Kim"),
        (Role::Agent, "agent.lee@storedesk.test", "이지원 Agent Lee"),
    ];
    for (role, email, name) in staff {
        let password = random_password();
        let input = NewStaff {
            email: email.into(),
            name: name.into(),
            role,
            password: SecretString::from(password.clone()),
        };
        service::create_staff(state, &meta, None, input)
            .await
            .map_err(to_anyhow)?;
        created.push(DemoAccount {
            role,
            email: email.into(),
            password,
        });
    }
    let customers = [
        (
            Role::Seller,
            "seller.haneul@storedesk.test",
            "박하늘",
            Some("하늘생활"),
        ),
        (
            Role::Seller,
            "seller.bada@storedesk.test",
            "최바다",
            Some("바다마켓"),
        ),
        (Role::Buyer, "buyer.minji@storedesk.test", "정민지", None),
        (Role::Buyer, "buyer.junho@storedesk.test", "한준호", None),
        (
            Role::Buyer,
            "buyer.alex@storedesk.test",
            "Alex Morgan",
            None,
        ),
    ];
    for (role, email, name, store_name) in customers {
        let password = random_password();
        let input = Registration {
            email: email.into(),
            password: SecretString::from(password.clone()),
            name: name.into(),
            phone: None,
            role,
            store_name: store_name.map(str::to_owned),
        };
        service::register(state, &meta, input)
            .await
            .map_err(to_anyhow)?;
        created.push(DemoAccount {
            role,
            email: email.into(),
            password,
        });
    }
    Ok(created)
}

fn to_anyhow(err: crate::error::ApiError) -> anyhow::Error {
    anyhow::anyhow!("{}: {err:?}", err.message())
}

/// Prints the demo credentials once, to standard output.
pub fn print_credentials(accounts: &[DemoAccount]) {
    println!("Demo accounts (passwords are shown only now):");
    for account in accounts {
        println!(
            "  {:<7} {:<32} {}",
            account.role.to_value(),
            account.email,
            account.password
        );
    }
}
