//! Entra's built-in names for ids a policy export holds.
//!
//! Roles: the template ids and display names of Microsoft Entra's built-in
//! roles, from Microsoft's reference "Microsoft Entra built-in roles"
//! (<https://learn.microsoft.com/entra/identity/role-based-access-control/permissions-reference>,
//! the page's "All roles" table, read 2026-12-06). `privileged` is the
//! page's PRIVILEGED label, and also every role CISA SCuBA's MS.AAD.7
//! names as highly privileged (Exchange and SharePoint Administrator carry
//! no label there but are on SCuBA's list).
//!
//! Apps: the keywords Conditional Access accepts for Microsoft's app
//! groups, from "Conditional Access: Target resources"
//! (<https://learn.microsoft.com/entra/identity/conditional-access/concept-conditional-access-cloud-apps>),
//! and the application ids of Microsoft's first-party apps, from "Verify
//! first-party Microsoft applications in sign-in reports"
//! (<https://learn.microsoft.com/troubleshoot/entra/entra-id/governance/verify-first-party-apps-sign-in>).

/// A built-in role: its template id, display name, and whether mfac
/// treats its holders as privileged.
pub struct Role {
    pub id: &'static str,
    pub name: &'static str,
    pub privileged: bool,
}

const fn role(id: &'static str, name: &'static str, privileged: bool) -> Role {
    Role {
        id,
        name,
        privileged,
    }
}

/// The built-in roles Conditional Access policies name most, sorted by
/// display name.
pub const ROLES: &[Role] = &[
    role(
        "d2562ede-74db-457e-a7b6-544e236ebb61",
        "AI Administrator",
        false,
    ),
    role(
        "db506228-d27e-4b7d-95e5-295956d6615f",
        "Agent ID Administrator",
        true,
    ),
    role(
        "6b942400-691f-4bf0-9d12-d8a254a2baf5",
        "Agent Registry Administrator",
        false,
    ),
    role(
        "9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3",
        "Application Administrator",
        true,
    ),
    role(
        "cf1c38e5-3621-4004-a7cb-879624dced7c",
        "Application Developer",
        true,
    ),
    role(
        "c4e39bd9-1100-46d3-8c65-fb160da0071f",
        "Authentication Administrator",
        true,
    ),
    role(
        "0526716b-113d-4c15-b2c8-68e3c22b9f80",
        "Authentication Policy Administrator",
        false,
    ),
    role(
        "e3973bdf-4987-49ae-837a-ba8e231c7286",
        "Azure DevOps Administrator",
        false,
    ),
    role(
        "7495fdc4-34c4-4d15-a289-98788ce399fd",
        "Azure Information Protection Administrator",
        false,
    ),
    role(
        "b0f54661-2d74-4c50-afa3-1ec803f12efe",
        "Billing Administrator",
        false,
    ),
    role(
        "892c5842-a9a6-463a-8041-72aa08ca3cf6",
        "Cloud App Security Administrator",
        false,
    ),
    role(
        "158c047a-c907-4556-b7ef-446551a6b5f7",
        "Cloud Application Administrator",
        true,
    ),
    role(
        "7698a772-787b-4ac8-901f-60d6b08affd2",
        "Cloud Device Administrator",
        true,
    ),
    role(
        "17315797-102d-40b4-93e0-432062caca18",
        "Compliance Administrator",
        false,
    ),
    role(
        "b1be1c3e-b65d-4f19-8427-f6fa0d97feb9",
        "Conditional Access Administrator",
        true,
    ),
    role(
        "88d8e3e3-8f55-4a1e-953a-9b9898b8876b",
        "Directory Readers",
        false,
    ),
    role(
        "d29b2b05-8046-44ba-8758-1e26182fcf32",
        "Directory Synchronization Accounts",
        false,
    ),
    role(
        "9360feb5-f418-4baa-8175-e2a00bac4301",
        "Directory Writers",
        true,
    ),
    role(
        "8329153b-31d0-4727-b945-745eb3bc5f31",
        "Domain Name Administrator",
        true,
    ),
    role(
        "44367163-eba1-44c3-98af-f5787879f96a",
        "Dynamics 365 Administrator",
        false,
    ),
    role(
        "29232cdf-9323-42fd-ade2-1d097af3e4de",
        "Exchange Administrator",
        true,
    ),
    role(
        "be2f45a1-457d-42af-a067-6ec1fa63bc45",
        "External Identity Provider Administrator",
        true,
    ),
    role(
        "62e90394-69f5-4237-9190-012177145e10",
        "Global Administrator",
        true,
    ),
    role(
        "f2ef992c-3afb-46b9-b7cf-a126ee74c451",
        "Global Reader",
        true,
    ),
    role(
        "fdd7a751-b60b-444a-984c-02652fe8fa1c",
        "Groups Administrator",
        false,
    ),
    role(
        "95e79109-95c0-4d8e-aee3-d01accf2d47b",
        "Guest Inviter",
        false,
    ),
    role(
        "729827e3-9c14-49f7-bb1b-9608f156bbb8",
        "Helpdesk Administrator",
        true,
    ),
    role(
        "8ac3fc64-6eca-42ea-9e69-59f4c7b60eb2",
        "Hybrid Identity Administrator",
        true,
    ),
    role(
        "45d8d3c5-c802-45c6-b32a-1d70b5e1e86e",
        "Identity Governance Administrator",
        false,
    ),
    role(
        "3a2c62db-5318-420d-8d74-23affee5d9d5",
        "Intune Administrator",
        true,
    ),
    role(
        "4d6ac14f-3453-41d0-bef9-a3e0c569773a",
        "License Administrator",
        false,
    ),
    role(
        "9f06204d-73c1-4d4c-880a-6edb90606fd8",
        "Microsoft Entra Joined Device Local Administrator",
        false,
    ),
    role(
        "966707d0-3269-4727-9be2-8c3a10f19b9d",
        "Password Administrator",
        true,
    ),
    role(
        "11648597-926c-4cf3-9c36-bcebb0ba8dcc",
        "Power Platform Administrator",
        false,
    ),
    role(
        "7be44c8a-adaf-4e2a-84d6-ab2649e08a13",
        "Privileged Authentication Administrator",
        true,
    ),
    role(
        "e8611ab8-c189-46e8-94e1-60213ab1f814",
        "Privileged Role Administrator",
        true,
    ),
    role(
        "4a5d8f65-41da-4de4-8968-e035b65339cf",
        "Reports Reader",
        false,
    ),
    role(
        "194ae4cb-b126-40b2-bd5b-6091b380977d",
        "Security Administrator",
        true,
    ),
    role(
        "5f2222b1-57c3-48ba-8ad5-d4759f1fde6f",
        "Security Operator",
        true,
    ),
    role(
        "5d6b6bb7-de71-4623-b4af-96380a352509",
        "Security Reader",
        true,
    ),
    role(
        "f023fd81-a637-4b56-95fd-791ac0226033",
        "Service Support Administrator",
        false,
    ),
    role(
        "f28a1f50-f6e7-4571-818b-6a12f2af6b6c",
        "SharePoint Administrator",
        true,
    ),
    role(
        "69091246-20e8-4a56-aa4d-066075b2a7a8",
        "Teams Administrator",
        false,
    ),
    role(
        "fe930be7-5e62-47db-91af-98c3a49a38b1",
        "User Administrator",
        true,
    ),
];

/// The role with this template id (ids compare without regard to case).
pub fn role_of(id: &str) -> Option<&'static Role> {
    ROLES.iter().find(|r| r.id.eq_ignore_ascii_case(id))
}

/// The names Conditional Access gives Microsoft's own apps and app groups:
/// the keywords it accepts in `includeApplications`, and well-known
/// application ids.
pub const APPS: &[(&str, &str)] = &[
    ("Office365", "Office 365"),
    ("MicrosoftAdminPortals", "Microsoft Admin Portals"),
    (
        "797f4846-ba00-4fd7-ba43-dac1f8f63013",
        "Windows Azure Service Management API",
    ),
    (
        "00000002-0000-0ff1-ce00-000000000000",
        "Office 365 Exchange Online",
    ),
    (
        "00000003-0000-0ff1-ce00-000000000000",
        "Office 365 SharePoint Online",
    ),
    ("00000003-0000-0000-c000-000000000000", "Microsoft Graph"),
    (
        "cc15fd57-2c6c-4117-a88c-83b1d56b4bbe",
        "Microsoft Teams Services",
    ),
    ("1fec8e78-bce4-4aaf-ab1b-5451cc387264", "Microsoft Teams"),
    ("c44b4083-3bb0-49c1-b47d-974e53cbdf3c", "Azure Portal"),
    ("0000000a-0000-0000-c000-000000000000", "Microsoft Intune"),
    (
        "d4ebce55-015a-49b5-a083-c84d1797ae8c",
        "Microsoft Intune Enrollment",
    ),
];

/// The name of a first-party app or app group, by keyword or id.
pub fn app_of(id: &str) -> Option<&'static str> {
    APPS.iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(id))
        .map(|(_, name)| *name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_role_scuba_names_is_known_and_privileged() {
        // CISA SCuBA MS.AAD.7's highly privileged roles.
        for name in [
            "Global Administrator",
            "Privileged Role Administrator",
            "Security Administrator",
            "User Administrator",
            "Exchange Administrator",
            "SharePoint Administrator",
            "Hybrid Identity Administrator",
            "Application Administrator",
        ] {
            let r = ROLES.iter().find(|r| r.name == name);
            assert!(r.is_some_and(|r| r.privileged), "{name}");
        }
        assert_eq!(
            role_of("62E90394-69F5-4237-9190-012177145E10").map(|r| r.name),
            Some("Global Administrator")
        );
        assert!(role_of("00000000-0000-0000-0000-000000000000").is_none());
    }

    #[test]
    fn ids_and_names_are_unique_and_sorted() {
        let names: Vec<&str> = ROLES.iter().map(|r| r.name).collect();
        let mut sorted = names.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(names, sorted);
        let mut ids: Vec<&str> = ROLES.iter().map(|r| r.id).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), ROLES.len());
    }
}
