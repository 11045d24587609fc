/** @type {import('next').NextConfig} */
const nextConfig = {
  reactStrictMode: true,
  poweredByHeader: false,
  // The gateway (server/main.ts) owns /ws, /api/trpc and /api/auth; Next renders UI only.
  typescript: { tsconfigPath: 'tsconfig.json' },
};

export default nextConfig;
