//! What the derive emits beside its errors, as `thiserror-impl` does: an implementation that
//! type-checks and is never run, so that one attribute mistake is reported once, at the
//! attribute, and not again at every `faker.create::<T>()` and `#[reference(T)]` as "`T` is not
//! a provider".

use proc_macro2::TokenStream;
use quote::quote;

use crate::ast::{EnumInput, Input};
use crate::attr::Kind;

/// The trait the struct would have implemented, with bodies that are never reached (the crate
/// does not compile while the errors stand). Generic structs get none: they are an error of
/// their own and a fallback would need bounds the derive cannot know.
pub fn fallback(input: &Input) -> TokenStream {
    if !input.generics.params.is_empty() {
        return TokenStream::new();
    }
    let ident = &input.ident;
    let name = ident.to_string();
    let body = quote! {
        ::core::unreachable!("`#[derive(Provider)]` on `{}` has errors", #name)
    };
    match input.kind() {
        Kind::Aggregate => quote! {
            #[automatically_derived]
            impl ::ddd_faker::provider::Provider for #ident {
                type Id = ();
                const NAME: &'static str = #name;

                fn id(&self) -> Self::Id {}

                async fn populate(
                    _: &mut ::ddd_faker::provider::Cx<'_>,
                ) -> ::core::result::Result<Self, ::ddd_faker::provider::FakerError> {
                    #body
                }
            }
        },
        Kind::Value | Kind::Entity => quote! {
            #[automatically_derived]
            impl ::ddd_faker::provider::Component for #ident {
                async fn populate(
                    _: &mut ::ddd_faker::provider::Cx<'_>,
                ) -> ::core::result::Result<Self, ::ddd_faker::provider::FakerError> {
                    #body
                }
            }
        },
    }
}

/// [`fallback`] for an enum: the `Component` it would have implemented.
pub fn fallback_enum(input: &EnumInput) -> TokenStream {
    if !input.generics.params.is_empty() {
        return TokenStream::new();
    }
    let ident = &input.ident;
    let name = ident.to_string();
    quote! {
        #[automatically_derived]
        impl ::ddd_faker::provider::Component for #ident {
            async fn populate(
                _: &mut ::ddd_faker::provider::Cx<'_>,
            ) -> ::core::result::Result<Self, ::ddd_faker::provider::FakerError> {
                ::core::unreachable!("`#[derive(Provider)]` on `{}` has errors", #name)
            }
        }
    }
}
