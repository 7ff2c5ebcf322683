"""LINE rich menus: the definition staff edit (menus.yaml), its images, and switching the default menu."""
