//! ECR image references: `ACCOUNT.dkr.ecr.REGION.amazonaws.com/REPOSITORY[:TAG][@DIGEST]`
//! (also `dkr.ecr-fips` and the China partition's `.amazonaws.com.cn`). Any other image is
//! pulled from a registry preflight does not read.

/// An image in a private ECR registry.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct EcrImage {
    pub account: String,
    pub region: String,
    pub partition: &'static str,
    pub repository: String,
    /// `latest` when the image names neither a tag nor a digest (as Docker does).
    pub tag: Option<String>,
    pub digest: Option<String>,
}

impl EcrImage {
    pub fn parse(image: &str) -> Option<EcrImage> {
        let (host, path) = image.split_once('/')?;
        let (account, rest) = host.split_once('.')?;
        if account.len() != 12 || !account.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let rest = rest
            .strip_prefix("dkr.ecr.")
            .or_else(|| rest.strip_prefix("dkr.ecr-fips."))?;
        let (region, partition) = if let Some(r) = rest.strip_suffix(".amazonaws.com") {
            (r, "aws")
        } else {
            (rest.strip_suffix(".amazonaws.com.cn")?, "aws-cn")
        };
        if region.is_empty() || region.contains('.') {
            return None;
        }
        let (name, digest) = match path.split_once('@') {
            Some((n, d)) => (n, Some(d.to_string())),
            None => (path, None),
        };
        // A `:` after the last `/` separates the tag.
        let (repository, tag) = match name.rfind(':').filter(|&i| !name[i..].contains('/')) {
            Some(i) => (&name[..i], Some(name[i + 1..].to_string())),
            None => (name, None),
        };
        if repository.is_empty() {
            return None;
        }
        let tag = match (&tag, &digest) {
            (None, None) => Some("latest".to_string()),
            _ => tag,
        };
        Some(EcrImage {
            account: account.to_string(),
            region: region.to_string(),
            partition,
            repository: repository.to_string(),
            tag,
            digest,
        })
    }

    pub fn repository_arn(&self) -> String {
        format!(
            "arn:{}:ecr:{}:{}:repository/{}",
            self.partition, self.region, self.account, self.repository
        )
    }

    /// `tag 1.4.2` or `digest sha256:…`, for messages.
    pub fn version(&self) -> String {
        match (&self.digest, &self.tag) {
            (Some(d), _) => format!("digest `{d}`"),
            (None, Some(t)) => format!("tag `{t}`"),
            (None, None) => "tag `latest`".into(),
        }
    }
}

/// ECS's `runtimePlatform.cpuArchitecture` as an OCI platform architecture.
pub fn oci_architecture(cpu_architecture: &str) -> &str {
    match cpu_architecture {
        "X86_64" => "amd64",
        "ARM64" => "arm64",
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ecr_images_are_parsed() {
        let i =
            EcrImage::parse("111111111111.dkr.ecr.us-east-1.amazonaws.com/team/web:1.4.2").unwrap();
        assert_eq!(i.repository, "team/web");
        assert_eq!(i.tag.as_deref(), Some("1.4.2"));
        assert_eq!(
            i.repository_arn(),
            "arn:aws:ecr:us-east-1:111111111111:repository/team/web"
        );
        let i = EcrImage::parse("111111111111.dkr.ecr.cn-north-1.amazonaws.com.cn/web@sha256:ab")
            .unwrap();
        assert_eq!(
            (i.partition, i.tag, i.digest.as_deref()),
            ("aws-cn", None, Some("sha256:ab"))
        );
        let i = EcrImage::parse("111111111111.dkr.ecr.eu-west-1.amazonaws.com/web").unwrap();
        assert_eq!(i.tag.as_deref(), Some("latest"));
    }

    #[test]
    fn other_registries_are_not_ecr() {
        assert_eq!(EcrImage::parse("nginx:1.25"), None);
        assert_eq!(EcrImage::parse("public.ecr.aws/nginx/nginx:1.25"), None);
        assert_eq!(EcrImage::parse("ghcr.io/org/app:1"), None);
        assert_eq!(EcrImage::parse("localhost:5000/app"), None);
    }
}
